package main

// helmfile's template language: Go's text/template with sprig's functions and
// helmfile's own (exec, readFile, requiredEnv, toYaml, get, tpl, ...), as
// helmfile documents them. Written for helm-cascade; behaviour follows
// helmfile v1.8 (pkg/tmpl), including missingkey=error and the `_*.tpl`
// helpers of the folder. Secrets stay references: fetchSecretValue and
// expandSecretRefs return what they are given, for helm-cascade's own
// resolver to fetch at render time.

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/helmfile/helmfile/pkg/maputil"
	"go.yaml.in/yaml/v3"
)

// renderer renders templates relative to a folder, as helmfile's tmpl.Context.
type renderer struct {
	h        Host
	basePath string
	log      *usageLog
}

func (r *renderer) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.basePath, p)
}

func (r *renderer) funcs() template.FuncMap {
	m := sprig.TxtFuncMap()
	sprigGet := m["get"]
	own := template.FuncMap{
		"envExec":          r.envExec,
		"exec":             r.exec,
		"isFile":           func(p string) (bool, error) { return fileExists(r.h, r.abs(p)), nil },
		"isDir":            func(p string) (bool, error) { return dirExists(r.h, r.abs(p)), nil },
		"readFile":         r.readFile,
		"readDir":          r.readDir,
		"readDirEntries":   r.readDirEntries,
		"toYaml":           toYaml,
		"fromYaml":         fromYaml,
		"setValueAtPath":   setValueAtPath,
		"requiredEnv":      r.requiredEnv,
		"get":              get,
		"getOrNil":         getOrNil,
		"tpl":              r.tpl,
		"required":         required,
		"fetchSecretValue": r.fetchSecretValue,
		"expandSecretRefs": r.expandSecretRefs,
		"sprigGet":         sprigGet,
	}
	for k, v := range own {
		m[k] = v
	}
	// sprig's env and expandenv read the process environment: here, the host's
	m["env"] = func(name string) string {
		v, _ := r.lookupEnv(name)
		return v
	}
	return m
}

func (r *renderer) lookupEnv(name string) (string, bool) {
	v, ok := r.h.LookupEnv(name)
	r.log.add("env", name, "")
	return v, ok
}

// newTemplate is a template with the functions, missingkey=error, include,
// and the folder's `_*.tpl` helpers parsed in.
func (r *renderer) newTemplate() (*template.Template, error) {
	funcMap := r.funcs()
	t := template.New("stringTemplate").Option("missingkey=error")
	included := map[string]int{}
	funcMap["include"] = func(name string, data any) (string, error) {
		if included[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		included[name]++
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		included[name]--
		return buf.String(), err
	}
	t.Funcs(funcMap)
	helpers, err := glob(r.h, filepath.Join(r.basePath, "_*.tpl"))
	if err != nil {
		return nil, fmt.Errorf("failed to glob helper templates: %v", err)
	}
	for _, f := range helpers {
		content, err := r.h.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("failed to read helper template %s: %v", f, err)
		}
		r.log.add("file", f, "helper template")
		if t, err = t.Parse(string(content)); err != nil {
			return nil, fmt.Errorf("failed to parse helper template %s: %v", f, err)
		}
	}
	return t, nil
}

// render executes text as a template with data.
func (r *renderer) render(text string, data any) (string, error) {
	t, err := r.newTemplate()
	if err != nil {
		return "", err
	}
	if t, err = t.Parse(text); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return buf.String(), err
	}
	return buf.String(), nil
}

func (r *renderer) tpl(text string, data any) (string, error) { return r.render(text, data) }

func (r *renderer) readFile(name string) (string, error) {
	p := r.abs(name)
	b, err := r.h.ReadFile(p)
	if err != nil {
		return "", err
	}
	r.log.add("file", p, "readFile")
	return string(b), nil
}

func (r *renderer) readDir(name string) ([]string, error) {
	entries, err := r.h.ReadDir(r.abs(name))
	if err != nil {
		return nil, fmt.Errorf("ReadDir %q: %w", r.abs(name), err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, filepath.Join(name, e.Name()))
		}
	}
	return out, nil
}

func (r *renderer) readDirEntries(name string) ([]DirEntry, error) {
	entries, err := r.h.ReadDir(r.abs(name))
	if err != nil {
		return nil, fmt.Errorf("ReadDirEntries %q: %w", r.abs(name), err)
	}
	return entries, nil
}

func (r *renderer) envExec(envs map[string]any, command string, args []any, inputs ...string) (string, error) {
	input := ""
	if len(inputs) > 0 {
		input = inputs[0]
	}
	strArgs := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return "", fmt.Errorf("unexpected type of arg \"%s\" in args %v at index %d", reflect.TypeOf(a), args, i)
		}
		strArgs[i] = s
	}
	strEnvs := map[string]string{}
	for k, v := range envs {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("unexpected type of env \"%s\" in envs %v at index %s", reflect.TypeOf(v), envs, k)
		}
		strEnvs[k] = s
	}
	out, err := r.h.Exec(command, strArgs, r.basePath, input, strEnvs)
	r.log.add("exec", strings.Join(append([]string{command}, strArgs...), " "), r.basePath)
	return out, err
}

func (r *renderer) exec(command string, args []any, inputs ...string) (string, error) {
	return r.envExec(nil, command, args, inputs...)
}

func (r *renderer) requiredEnv(name string) (string, error) {
	if v, ok := r.lookupEnv(name); ok && len(v) > 0 {
		return v, nil
	}
	return "", fmt.Errorf("required env var `%s` is not set", name)
}

// fetchSecretValue keeps a `ref+` reference as it is: helm-cascade resolves it at render time.
func (r *renderer) fetchSecretValue(ref string) (string, error) {
	r.log.add("secret", ref, "fetchSecretValue")
	return ref, nil
}

func (r *renderer) expandSecretRefs(v map[string]any) (map[string]any, error) {
	r.log.add("secret", "", "expandSecretRefs")
	return v, nil
}

// marshalYaml encodes as helmfile does (go-yaml v3, two-space indent).
func marshalYaml(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	err := enc.Encode(v)
	_ = enc.Close()
	return b.Bytes(), err
}

func toYaml(v any) (string, error) {
	b, err := marshalYaml(v)
	return string(b), err
}

func fromYaml(s string) (any, error) {
	var m any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%s, offending yaml: %s", err, s)
	}
	m, err := maputil.RecursivelyStringifyMapKey(m)
	if err != nil {
		return nil, fmt.Errorf("%s, offending yaml: %s", err, s)
	}
	return m, nil
}

func setValueAtPath(path string, value any, values map[string]any) (map[string]any, error) {
	var current any = values
	components := strings.Split(path, ".")
	for _, k := range components[:len(components)-1] {
		m, ok := asMap(current)
		if !ok {
			return nil, fmt.Errorf("failed to set value at path \"%s\": value for key \"%s\" was not a map", path, k)
		}
		elem, exists := m[k]
		if !exists {
			return nil, fmt.Errorf("failed to set value at path \"%s\": value for key \"%s\" does not exist", path, k)
		}
		if _, ok := asMap(elem); !ok {
			return nil, fmt.Errorf("failed to set value at path \"%s\": value for key \"%s\" was not a map", path, k)
		}
		current = elem
	}
	key := components[len(components)-1]
	switch c := current.(type) {
	case map[string]any:
		c[key] = value
	case map[any]any:
		c[key] = value
	default:
		return nil, fmt.Errorf("failed to set value at path \"%s\": value for key \"%s\" was not a map", path, key)
	}
	return values, nil
}

func asMap(v any) (map[any]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		out := map[any]any{}
		for k, x := range m {
			out[k] = x
		}
		return out, true
	case map[any]any:
		return m, true
	}
	return nil, false
}

func required(warn string, val any) (any, error) {
	if val == nil {
		return nil, fmt.Errorf("%s", warn)
	}
	if s, ok := val.(string); ok && s == "" {
		return nil, fmt.Errorf("%s", warn)
	}
	return val, nil
}

type noValueError struct{ msg string }

func (e *noValueError) Error() string { return e.msg }

// get reads a dotted path from maps or structs: get PATH OBJ, or get PATH DEFAULT OBJ.
func get(path string, varArgs ...any) (any, error) {
	var def, obj any
	defSet := false
	switch len(varArgs) {
	case 1:
		obj = varArgs[0]
	case 2:
		def, obj, defSet = varArgs[0], varArgs[1], true
	default:
		return nil, fmt.Errorf("unexpected number of args passed to the template function get(path, [def, ]obj): expected 1 or 2, got %d, args was %v", len(varArgs), varArgs)
	}
	if path == "" {
		return obj, nil
	}
	keys := strings.Split(path, ".")
	if p, ok := obj.(*map[string]any); ok {
		obj = *p
	}
	missing := func(msg string) (any, error) {
		if defSet {
			return def, nil
		}
		return nil, &noValueError{msg}
	}
	var v any
	switch o := obj.(type) {
	case map[string]any:
		x, ok := o[keys[0]]
		if !ok {
			return missing(fmt.Sprintf("no value exist for key \"%s\" in %v", keys[0], o))
		}
		v = x
	case map[string]string:
		x, ok := o[keys[0]]
		if !ok {
			return missing(fmt.Sprintf("no value exist for key \"%s\" in %v", keys[0], o))
		}
		return x, nil
	case map[any]any:
		x, ok := o[keys[0]]
		if !ok {
			return missing(fmt.Sprintf("no value exist for key \"%s\" in %v", keys[0], o))
		}
		v = x
	default:
		s := reflect.ValueOf(o)
		if s.Kind() != reflect.Struct {
			return nil, &noValueError{fmt.Sprintf("unexpected type(%v) of value for key \"%s\": it must be either map[string]any or any struct", reflect.TypeOf(obj), keys[0])}
		}
		if s.NumField() < 1 {
			return nil, &noValueError{fmt.Sprintf("no accessible struct fields for key \"%s\"", keys[0])}
		}
		f := s.FieldByName(keys[0])
		if !f.IsValid() {
			return missing(fmt.Sprintf("no field named \"%s\" exist in %v", keys[0], o))
		}
		v = f.Interface()
	}
	rest := strings.Join(keys[1:], ".")
	if defSet {
		return get(rest, def, v)
	}
	return get(rest, v)
}

func getOrNil(path string, o any) (any, error) {
	v, err := get(path, o)
	if err != nil {
		if _, ok := err.(*noValueError); ok {
			return nil, nil
		}
		return nil, err
	}
	return v, nil
}

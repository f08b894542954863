package main

// What the engine hands back for one environment: every state with its
// releases as helmfile would run them, each release's values as helm would
// receive them (files rendered, inline maps encoded, secrets as references),
// and everything the engine read or ran on the way.

import (
	"fmt"
	"sort"
	"path/filepath"
	"strings"

	"github.com/helmfile/helmfile/pkg/maputil"
	"go.yaml.in/yaml/v3"
)

type result struct {
	Env     string         `json:"env"`
	States  []stateOut     `json:"states"`
	Skipped []skippedState `json:"skipped"`
	Usage   []usage        `json:"usage"`
}

type skippedState struct {
	File   string `json:"file"`
	Parent string `json:"parent,omitempty"`
	Reason string `json:"reason"`
}

type stateOut struct {
	File                string           `json:"file"`
	Parent              string           `json:"parent,omitempty"`
	BasePath            string           `json:"basePath"`
	EnvKubeContext      string           `json:"envKubeContext,omitempty"`
	Environments        []string         `json:"environments"`
	OverrideKubeContext string           `json:"overrideKubeContext,omitempty"`
	OverrideNamespace   string           `json:"overrideNamespace,omitempty"`
	HelmDefaults        map[string]any   `json:"helmDefaults"`
	Repositories        []repositorySpec `json:"repositories"`
	Hooks               int              `json:"hooks"`
	ApiVersions         []string         `json:"apiVersions,omitempty"`
	KubeVersion         string           `json:"kubeVersion,omitempty"`
	LockFile            string           `json:"lockFile,omitempty"`
	Releases            []releaseOut     `json:"releases"`
}

type releaseOut struct {
	Spec             map[string]any `json:"spec"`
	SourceFile       string         `json:"sourceFile"`
	Installed        bool           `json:"installed"`
	ConditionEnabled *bool          `json:"conditionEnabled,omitempty"`
	ConditionError   string         `json:"conditionError,omitempty"`
	Selected         bool           `json:"selected"`
	Values           []valueOut     `json:"values"`
	Set              []setOut       `json:"set"`
	Problems         []string       `json:"problems,omitempty"`
}

// valueOut is one values file helm receives, in order: a file of the
// helmfile's (rendered when .gotmpl), an inline map, or a secrets file's references.
type valueOut struct {
	Kind     string `json:"kind"` // file | inline | secrets
	Entry    string `json:"entry,omitempty"`
	Path     string `json:"path,omitempty"`
	Content  string `json:"content"`
	Rendered bool   `json:"rendered,omitempty"`
	Skipped  bool   `json:"skipped,omitempty"`
}

// setOut is one --set / --set-string / --set-file flag helmfile would pass.
type setOut struct {
	Kind    string   `json:"kind"` // set | setString | setFile | env
	Name    string   `json:"name"`
	Value   *string  `json:"value,omitempty"`
	Values  []string `json:"values,omitempty"`
	File    string   `json:"file,omitempty"`
	Content *string  `json:"content,omitempty"`
}

type usage struct {
	Kind   string `json:"kind"`
	What   string `json:"what"`
	Detail string `json:"detail,omitempty"`
}

type usageLog struct{ entries []usage }

func (l *usageLog) add(kind, what, detail string) {
	if l == nil {
		return
	}
	for _, e := range l.entries {
		if e.Kind == kind && e.What == what {
			return
		}
	}
	l.entries = append(l.entries, usage{kind, what, detail})
}

func (v *visitor) describe(st *state, selectors []string, parent string) (stateOut, error) {
	hd, err := toMap(st.HelmDefaults)
	if err != nil {
		return stateOut{}, err
	}
	out := stateOut{
		File: st.file, Parent: parent, BasePath: st.basePath, EnvKubeContext: st.Environments[v.ld.env].KubeContext, Environments: []string{},
		OverrideKubeContext: st.OverrideKubeContext, OverrideNamespace: st.OverrideNamespace,
		HelmDefaults: hd, Repositories: st.Repositories, Hooks: len(st.Hooks),
		ApiVersions: st.ApiVersions, KubeVersion: st.KubeVersion, LockFile: st.LockFile,
	}
	for name := range st.Environments {
		out.Environments = append(out.Environments, name)
	}
	sort.Strings(out.Environments)
	if out.Repositories == nil {
		out.Repositories = []repositorySpec{}
	}
	for _, r := range st.Releases {
		ro, err := v.describeRelease(st, r, selectors)
		if err != nil {
			return stateOut{}, fmt.Errorf("release %q: %w", r.Name, err)
		}
		out.Releases = append(out.Releases, ro)
	}
	if out.Releases == nil {
		out.Releases = []releaseOut{}
	}
	return out, nil
}

func (v *visitor) describeRelease(st *state, r releaseSpec, selectors []string) (releaseOut, error) {
	spec, err := toMap(r)
	if err != nil {
		return releaseOut{}, err
	}
	ro := releaseOut{Spec: spec, SourceFile: r.SourceFile, Installed: r.Installed == nil || *r.Installed, Values: []valueOut{}, Set: []setOut{}}
	if r.Condition != "" {
		ok, err := conditionEnabled(r, st.renderedValues)
		if err != nil {
			ro.ConditionError = err.Error()
		} else {
			ro.ConditionEnabled = &ok
		}
	}
	if ro.Selected, err = selected(r, st.CommonLabels, selectors); err != nil {
		return releaseOut{}, err
	}
	// helmfile reads no values of a release it leaves out (condition, selectors) or uninstalls
	if !ro.Selected || ro.ConditionEnabled != nil && !*ro.ConditionEnabled || ro.ConditionError != "" || !ro.Installed {
		return ro, nil
	}
	if ro.Values, err = v.releaseValues(st, r); err != nil {
		return releaseOut{}, err
	}
	secrets, err := v.releaseSecrets(st, r)
	if err != nil {
		return releaseOut{}, err
	}
	ro.Values = append(ro.Values, secrets...)
	ro.Set = v.releaseSets(st, r)
	return ro, nil
}

func (st *state) releaseMissingFileHandler(r releaseSpec) *string {
	if r.MissingFileHandler != nil {
		return r.MissingFileHandler
	}
	if st.MissingFileHandler != nil {
		return st.MissingFileHandler
	}
	h := "Error"
	return &h
}

// releaseValues: the vanilla values files helm receives (helmfile's generateVanillaValuesFiles).
func (v *visitor) releaseValues(st *state, r releaseSpec) ([]valueOut, error) {
	s := st.storage(v.ld.h)
	out := []valueOut{}
	for _, entry := range r.Values {
		switch x := entry.(type) {
		case string:
			p := s.normalizePath(r.ValuesPathPrefix + x)
			files, skipped, err := s.resolveFile(st.releaseMissingFileHandler(r), "values", p)
			if err != nil {
				return nil, err
			}
			if skipped {
				out = append(out, valueOut{Kind: "file", Entry: x, Path: p, Skipped: true})
				continue
			}
			if len(files) > 1 {
				return nil, fmt.Errorf("glob patterns in release values and secrets is not supported yet. please submit a feature request if necessary")
			}
			rd := &renderer{h: v.ld.h, basePath: filepath.Dir(files[0]), log: v.ld.log}
			b, err := rd.renderToBytes(files[0], st.releaseTemplateData(&r, st.renderedValues))
			if err != nil {
				return nil, fmt.Errorf("failed to render values files \"%s\": %v", x, err)
			}
			out = append(out, valueOut{Kind: "file", Entry: x, Path: files[0], Content: string(b), Rendered: strings.HasSuffix(files[0], ".gotmpl")})
		case map[string]any, map[any]any:
			b, err := marshalYaml(x)
			if err != nil {
				return nil, err
			}
			out = append(out, valueOut{Kind: "inline", Content: string(b)})
		default:
			return nil, fmt.Errorf("unexpected type of value: value=%v, type=%T", x, x)
		}
	}
	return out, nil
}

// releaseSecrets: each `secrets:` file as references to the sops file (helm would get it decrypted, after the values).
func (v *visitor) releaseSecrets(st *state, r releaseSpec) ([]valueOut, error) {
	s := st.storage(v.ld.h)
	out := []valueOut{}
	for _, entry := range r.Secrets {
		x, ok := entry.(string)
		if !ok {
			return nil, fmt.Errorf("inline secrets (a map under secrets:) cannot be kept as references: put them in a sops file")
		}
		files, skipped, err := s.resolveFile(r.MissingFileHandler, "secrets", r.ValuesPathPrefix+x)
		if err != nil {
			return nil, err
		}
		if skipped {
			out = append(out, valueOut{Kind: "secrets", Entry: x, Skipped: true})
			continue
		}
		if len(files) > 1 {
			return nil, fmt.Errorf("glob patterns in release secret file is not supported yet. please submit a feature request if necessary")
		}
		refs, err := v.ld.sopsReferences(files[0])
		if err != nil {
			return nil, err
		}
		b, err := marshalYaml(refs)
		if err != nil {
			return nil, err
		}
		out = append(out, valueOut{Kind: "secrets", Entry: x, Path: files[0], Content: string(b)})
	}
	return out, nil
}

// releaseSets: the --set, --set-string, --set-file flags in helmfile's order (set, then setString, then env).
func (v *visitor) releaseSets(st *state, r releaseSpec) []setOut {
	out := []setOut{}
	add := func(kind string, sv setValue) {
		switch {
		case sv.Value != "":
			val := sv.Value
			out = append(out, setOut{Kind: kind, Name: sv.Name, Value: &val})
		case sv.File != "" && kind == "set":
			p := st.storage(v.ld.h).normalizePath(sv.File)
			o := setOut{Kind: "setFile", Name: sv.Name, File: p}
			if b, err := v.ld.h.ReadFile(p); err == nil {
				c := string(b)
				o.Content = &c
				v.ld.log.add("file", p, "set file")
			}
			out = append(out, o)
		case len(sv.Values) > 0:
			vals := make([]string, len(sv.Values))
			for i, x := range sv.Values {
				vals[i] = fmt.Sprintf("%v", x)
			}
			out = append(out, setOut{Kind: kind, Name: sv.Name, Values: vals})
		}
	}
	for _, sv := range r.SetValues {
		add("set", sv)
	}
	for _, sv := range r.SetStringValues {
		add("setString", sv)
	}
	for _, sv := range r.EnvValues {
		val, ok := v.ld.h.LookupEnv(sv.Value)
		v.ld.log.add("env", sv.Value, "env:")
		if ok {
			out = append(out, setOut{Kind: "env", Name: sv.Name, Value: &val})
		}
	}
	return out
}

// toMap: a struct as helmfile would write it (its YAML keys, empty fields left out), for JSON.
func toMap(v any) (map[string]any, error) {
	b, err := marshalYaml(v)
	if err != nil {
		return nil, err
	}
	var m any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return map[string]any{}, nil
	}
	cast, err := maputil.CastKeysToStrings(m)
	if err != nil {
		return nil, err
	}
	return cast, nil
}

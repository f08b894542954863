package main

// Loading a helmfile for one environment, in helmfile v1.8's order
// (pkg/app/desired_state_file_loader.go, pkg/state/create.go): the file is
// split into `---` parts; each part is rendered (for .gotmpl files) with the
// environment the previous parts built, parsed, its bases loaded beneath it
// and its environment values loaded; the parts are merged in order. Nested
// `helmfiles:` are loaded after their parent's state, each on its own with the
// values the parent gives it.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"dario.cat/mergo"
	"github.com/helmfile/helmfile/pkg/environment"
	"github.com/helmfile/helmfile/pkg/maputil"
	"go.yaml.in/yaml/v3"
)

const defaultEnv = "default"

// undefinedEnvError: the state does not define the environment; helmfile skips such a state.
type undefinedEnvError struct{ env string }

func (e *undefinedEnvError) Error() string {
	return fmt.Sprintf("environment \"%s\" is not defined", e.env)
}

// state is one loaded helmfile state: the merged spec, where it was read, its values.
type state struct {
	releaseSetSpec
	file           string // absolute path
	basePath       string // folder the state's relative paths resolve from
	renderedValues map[string]any
	originReleases []releaseSpec
}

type loader struct {
	h   Host
	env string
	log *usageLog
}

// loadOpts is what a parent passes to a nested helmfile.
type loadOpts struct {
	calleePath     string // the helmfile that names this one ("" for the top)
	overrideValues []any  // the `values:` of its helmfiles: entry
	inherited      *inheritedConfig
}

// inheritedConfig is the parent's config a nested helmfile asks for with `inherits:`.
type inheritedConfig struct {
	repositories []repositorySpec
	helmDefaults *helmSpec
	commonLabels map[string]string
	apiVersions  []string
	kubeVersion  string
	templates    map[string]templateSpec
	env          *environment.Environment
}

// Load loads the state file f (absolute) as helmfile's desiredStateLoader.Load does.
func (ld *loader) Load(f string, opts loadOpts) (*state, error) {
	var overrode *environment.Environment
	if len(opts.overrideValues) > 0 {
		storage := &storage{h: ld.h, basePath: filepath.Dir(opts.calleePath), filePath: opts.calleePath}
		handler := "Error"
		vals, err := ld.loadEnvironmentValues(storage, &handler, opts.overrideValues, environment.New(ld.env), "")
		if err != nil {
			return nil, err
		}
		overrode = &environment.Environment{Name: ld.env, Values: vals, CLIOverrides: map[string]any{}}
	}
	var inheritedEnv *environment.Environment
	if opts.inherited != nil {
		inheritedEnv = opts.inherited.env
	}
	st, err := ld.loadFile(inheritedEnv, overrode, filepath.Dir(f), filepath.Base(f), true)
	if err != nil {
		return nil, err
	}
	if opts.inherited != nil {
		if err := st.mergeInherited(opts.inherited); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (ld *loader) loadFile(inheritedEnv, overrode *environment.Environment, baseDir, file string, evaluateBases bool) (*state, error) {
	if isRemote(file) {
		return nil, fmt.Errorf("remote helmfile %q: fetch it and import the local copy", file)
	}
	f := file
	if !filepath.IsAbs(f) {
		f = filepath.Join(baseDir, file)
	}
	content, err := ld.h.ReadFile(f)
	if err != nil {
		return nil, err
	}
	ld.log.add("file", f, "helmfile")
	st, err := ld.load(inheritedEnv, overrode, baseDir, f, content, evaluateBases)
	if err != nil {
		return nil, err
	}
	for i, h := range st.Helmfiles {
		if h.Path == f {
			return nil, fmt.Errorf("%s contains a recursion into the same sub-helmfile at helmfiles[%d]", f, i)
		}
	}
	return st, nil
}

// load renders, parses and merges the `---` parts of one file.
func (ld *loader) load(env, overrode *environment.Environment, baseDir, filename string, content []byte, evaluateBases bool) (*state, error) {
	normalized := bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))
	parts := bytes.Split(normalized, []byte("\n---\n"))
	hasEnv := env != nil || overrode != nil
	var final *state
	for i, part := range parts {
		raw := part
		if filepath.Ext(filename) == ".gotmpl" {
			rendered, err := ld.renderPart(baseDir, part, env, overrode)
			if err != nil {
				return nil, fmt.Errorf("error during %s.part.%d parsing: %v", filename, i, err)
			}
			raw = rendered
		}
		current, err := ld.rawLoad(raw, baseDir, filename, evaluateBases, env, overrode)
		if err != nil {
			return nil, err
		}
		if final == nil {
			final = current
		} else {
			if err := mergo.Merge(&final.releaseSetSpec, &current.releaseSetSpec, mergo.WithOverride); err != nil {
				return nil, err
			}
			final.renderedValues = current.renderedValues
		}
		env = &final.Env
		if len(final.Environments) == 0 {
			continue
		}
		if _, ok := final.Environments[env.Name]; evaluateBases && env.Name != defaultEnv && !ok {
			return nil, &undefinedEnvError{env.Name}
		}
	}
	if len(final.Environments) == 0 && evaluateBases && !hasEnv && env.Name != defaultEnv {
		return nil, &undefinedEnvError{env.Name}
	}
	final.originReleases = final.Releases
	return final, nil
}

// renderPart renders one part of a .gotmpl helmfile with the environment so far.
func (ld *loader) renderPart(baseDir string, part []byte, env, overrode *environment.Environment) ([]byte, error) {
	if env == nil && overrode == nil {
		env = &environment.Environment{Name: ld.env}
	}
	initEnv, err := env.Merge(nil)
	if err != nil {
		return nil, err
	}
	finalEnv, err := initEnv.Merge(overrode)
	if err != nil {
		return nil, err
	}
	vals, err := finalEnv.GetMergedValues()
	if err != nil {
		return nil, err
	}
	r := &renderer{h: ld.h, basePath: baseDir, log: ld.log}
	out, err := r.render(string(part), newEnvironmentTemplateData(*finalEnv, "", vals))
	return []byte(out), err
}

func (ld *loader) rawLoad(content []byte, baseDir, file string, evaluateBases bool, env, overrode *environment.Environment) (*state, error) {
	merged, err := env.Merge(overrode)
	if err != nil {
		return nil, err
	}
	st, err := ld.parseAndLoad(content, baseDir, file, evaluateBases, merged)
	if err != nil {
		return nil, err
	}
	helmfiles, err := st.expandedHelmfiles(ld.h)
	if err != nil {
		return nil, err
	}
	st.Helmfiles = helmfiles
	return st, nil
}

// parse decodes every YAML document of content strictly (unknown keys refused, as helmfile does) and merges them.
func parse(content []byte, baseDir, file string) (*state, error) {
	st := &state{file: file, basePath: baseDir}
	dec := yaml.NewDecoder(bytes.NewReader(content))
	dec.KnownFields(true)
	for i := 1; ; i++ {
		var doc releaseSetSpec
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			hint := ""
			if filepath.Ext(file) != ".gotmpl" && strings.Contains(string(content), "{{") {
				hint = " (templates are only rendered in .gotmpl files since helmfile v1: rename it to .gotmpl)"
			}
			return nil, fmt.Errorf("failed to read %s: reading document at index %d%s: %v", file, i, hint, err)
		}
		for i := range doc.Releases {
			doc.Releases[i].SourceFile = file
		}
		if err := mergo.Merge(&st.releaseSetSpec, &doc, mergo.WithAppendSlice, mergo.WithOverride); err != nil {
			return nil, fmt.Errorf("failed to read %s: merging document at index %d: %v", file, i, err)
		}
	}
	return st, nil
}

func (ld *loader) parseAndLoad(content []byte, baseDir, file string, evaluateBases bool, envValues *environment.Environment) (*state, error) {
	st, err := parse(content, baseDir, file)
	if err != nil {
		return nil, err
	}
	if !evaluateBases {
		if len(st.Bases) > 0 {
			return nil, errors.New("nested `base` helmfile is unsupported. please submit a feature request if you need this!")
		}
	} else if st, err = ld.loadBases(envValues, st, baseDir); err != nil {
		return nil, err
	}
	if err := ld.loadEnvValues(st, envValues); err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", st.file, err)
	}
	st.file = file
	vals, err := st.Env.GetMergedValues()
	if err != nil {
		return nil, fmt.Errorf("rendering values: %w", err)
	}
	st.renderedValues = vals
	return st, nil
}

// loadBases loads each base (without its own bases) and layers the state on top: environments concatenate their values, the rest merges.
func (ld *loader) loadBases(envValues *environment.Environment, st *state, baseDir string) (*state, error) {
	layers := []*state{}
	for _, b := range st.Bases {
		base, err := ld.loadFile(envValues, nil, baseDir, b, false)
		if err != nil {
			return nil, err
		}
		layers = append(layers, base)
	}
	layers = append(layers, st)
	for i := 1; i < len(layers); i++ {
		if layers[0].Environments == nil {
			layers[0].Environments = map[string]environmentSpec{}
		}
		mergeEnvironments(layers[0].Environments, layers[i].Environments)
		saved := layers[i].Environments
		layers[i].Environments = nil
		if err := mergo.Merge(&layers[0].releaseSetSpec, &layers[i].releaseSetSpec, mergo.WithAppendSlice, mergo.WithOverride); err != nil {
			return nil, err
		}
		layers[i].Environments = saved
	}
	out := layers[0]
	out.file, out.basePath = st.file, st.basePath
	return out, nil
}

func mergeEnvironments(dst, src map[string]environmentSpec) {
	for name, s := range src {
		d, ok := dst[name]
		if !ok {
			dst[name] = s
			continue
		}
		m := environmentSpec{Secrets: append(append([]string{}, d.Secrets...), s.Secrets...)}
		m.KubeContext = pick(s.KubeContext, d.KubeContext)
		m.MissingFileHandler = d.MissingFileHandler
		if s.MissingFileHandler != nil {
			m.MissingFileHandler = s.MissingFileHandler
		}
		m.MissingFileHandlerConfig = d.MissingFileHandlerConfig
		if s.MissingFileHandlerConfig != nil {
			m.MissingFileHandlerConfig = s.MissingFileHandlerConfig
		}
		m.MergeStrategy = pick(s.MergeStrategy, d.MergeStrategy)
		if m.MergeStrategy == "fallback" {
			m.Values = append(append([]any{}, s.Values...), d.Values...)
		} else {
			m.Values = append(append([]any{}, d.Values...), s.Values...)
		}
		dst[name] = m
	}
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// loadEnvValues builds the state's environment: its secrets (as references), its values, the top-level `values:` as defaults.
func (ld *loader) loadEnvValues(st *state, ctxEnv *environment.Environment) error {
	name := ld.env
	valuesVals := map[string]any{}
	envSpec, ok := st.Environments[name]
	if ok {
		storage := st.storage(ld.h)
		var secretFiles []any
		for _, p := range envSpec.Secrets {
			handler := st.envMissingFileHandler(envSpec)
			files, skipped, err := storage.resolveFile(handler, "environment values", p)
			if err != nil {
				return err
			}
			if skipped {
				ld.log.add("skipped", p, "environment secrets")
				continue
			}
			for _, f := range files {
				refs, err := ld.sopsReferences(f)
				if err != nil {
					return err
				}
				secretFiles = append(secretFiles, refs)
			}
		}
		loadCtx, err := ctxEnv.Merge(nil)
		if err != nil {
			return err
		}
		vals, err := ld.loadEnvironmentValues(storage, envSpec.MissingFileHandler, envSpec.Values, loadCtx, envSpec.MergeStrategy)
		if err != nil {
			return err
		}
		secretVals := map[string]any{}
		for _, s := range secretFiles {
			if err := mergo.Merge(&secretVals, s, mergo.WithOverride); err != nil {
				return err
			}
		}
		if err := mergo.Merge(&vals, &secretVals, mergo.WithOverride); err != nil {
			return err
		}
		valuesVals = vals
	}
	e := &environment.Environment{Name: name, Values: valuesVals, KubeContext: envSpec.KubeContext, Defaults: map[string]any{}, CLIOverrides: map[string]any{}}
	if ctxEnv != nil {
		e.Defaults = maputil.MergeMaps(ctxEnv.Defaults, e.Defaults)
		e.Values = maputil.MergeMaps(ctxEnv.Values, e.Values)
		e.CLIOverrides = maputil.MergeMaps(e.CLIOverrides, ctxEnv.CLIOverrides, maputil.MergeOptions{ArrayStrategy: maputil.ArrayMergeStrategyMerge})
		if ctxEnv.Name != "" {
			e.Name = ctxEnv.Name
		}
		if ctxEnv.KubeContext != "" {
			e.KubeContext = ctxEnv.KubeContext
		}
	}
	defaults, err := ld.loadEnvironmentValues(st.storage(ld.h), nil, st.DefaultValues, ctxEnv, "")
	if err != nil {
		return err
	}
	if err := mergo.Merge(&e.Defaults, defaults, mergo.WithOverride); err != nil {
		return err
	}
	st.Env = *e
	return nil
}

func (st *state) envMissingFileHandler(es environmentSpec) *string {
	if es.MissingFileHandler != nil {
		return es.MissingFileHandler
	}
	if st.MissingFileHandler != nil {
		return st.MissingFileHandler
	}
	h := "Error"
	return &h
}

// loadEnvironmentValues reads a `values:` list of an environment (files, rendered when .gotmpl, or inline maps) and merges it.
func (ld *loader) loadEnvironmentValues(s *storage, missingFileHandler *string, entries []any, ctxEnv *environment.Environment, strategy string) (map[string]any, error) {
	if strategy != "" && strategy != "override" && strategy != "fallback" {
		return nil, fmt.Errorf("environment %q: invalid mergeStrategy %q (must be \"override\" or \"fallback\")", ld.env, strategy)
	}
	result := map[string]any{}
	for _, entry := range entries {
		switch v := entry.(type) {
		case string:
			files, skipped, err := s.resolveFile(missingFileHandler, "environment values", v)
			if err != nil {
				return nil, err
			}
			if skipped {
				ld.log.add("skipped", v, "environment values")
				continue
			}
			for _, f := range files {
				if strings.HasSuffix(f, ".hcl") {
					return nil, fmt.Errorf("environment values file %s: HCL values files are not supported by the import", f)
				}
				env := environment.New(ld.env)
				if ctxEnv != nil {
					env = ctxEnv
				}
				mergedVals, err := env.GetMergedValues()
				if err != nil {
					return nil, err
				}
				if strategy == "fallback" && len(result) > 0 {
					enriched := map[string]any{}
					_ = mergo.Merge(&enriched, result)
					_ = mergo.Merge(&enriched, mergedVals, mergo.WithOverride)
					mergedVals = enriched
				}
				r := &renderer{h: ld.h, basePath: filepath.Dir(f), log: ld.log}
				b, err := r.renderToBytes(f, newEnvironmentTemplateData(*env, "", mergedVals))
				if err != nil {
					return nil, fmt.Errorf("failed to load environment values file \"%s\": %v", f, err)
				}
				m := map[string]any{}
				if err := yaml.Unmarshal(b, &m); err != nil {
					return nil, fmt.Errorf("failed to load environment values file \"%s\": %v\n\nOffending YAML:\n%s", f, err, b)
				}
				if result, err = mapMerge(result, m, strategy); err != nil {
					return nil, err
				}
			}
		case map[string]any, map[any]any:
			var err error
			if result, err = mapMerge(result, v, strategy); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected type of value: value=%v, type=%T", v, v)
		}
	}
	return result, nil
}

func mapMerge(dest map[string]any, m any, strategy string) (map[string]any, error) {
	vals, err := maputil.CastKeysToStrings(m)
	if err != nil {
		return nil, err
	}
	if strategy == "fallback" {
		return maputil.MergeMaps(vals, dest), nil
	}
	if err := mergo.Merge(&dest, &vals, mergo.WithOverride); err != nil {
		return nil, fmt.Errorf("failed to merge %v: %v", m, err)
	}
	return dest, nil
}

// renderToBytes reads a file, rendered as a template when it ends in .gotmpl.
func (r *renderer) renderToBytes(path string, data any) ([]byte, error) {
	b, err := r.h.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to load [%s]: %v", path, err)
	}
	r.log.add("file", path, "values")
	if !strings.HasSuffix(path, ".gotmpl") {
		return b, nil
	}
	out, err := r.render(string(b), data)
	if err != nil {
		return nil, fmt.Errorf("failed to render [%s], because of %v", path, err)
	}
	return []byte(out), nil
}

func (st *state) expandedHelmfiles(h Host) ([]subHelmfileSpec, error) {
	out := []subHelmfileSpec{}
	for _, hf := range st.Helmfiles {
		if isRemote(hf.Path) {
			return nil, fmt.Errorf("remote sub-helmfile %q: fetch it and import a local copy", hf.Path)
		}
		matches, err := st.storage(h).expandPaths(hf.Path)
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			if st.MissingFileHandler == nil || *st.MissingFileHandler == "Error" {
				return nil, fmt.Errorf("no matches for path: %s", hf.Path)
			}
			continue
		}
		for _, m := range matches {
			n := hf
			n.Path = m
			out = append(out, n)
		}
	}
	return out, nil
}

func (st *state) mergeInherited(in *inheritedConfig) error {
	if in.repositories != nil {
		seen := map[string]bool{}
		var repos []repositorySpec
		for _, r := range append(append([]repositorySpec{}, st.Repositories...), in.repositories...) {
			if !seen[r.Name] {
				seen[r.Name] = true
				repos = append(repos, r)
			}
		}
		st.Repositories = repos
	}
	if in.helmDefaults != nil {
		if err := mergo.Merge(&st.HelmDefaults, *in.helmDefaults); err != nil {
			return err
		}
	}
	for k, v := range in.commonLabels {
		if st.CommonLabels == nil {
			st.CommonLabels = map[string]string{}
		}
		if _, ok := st.CommonLabels[k]; !ok {
			st.CommonLabels[k] = v
		}
	}
	for k, v := range in.templates {
		if st.Templates == nil {
			st.Templates = map[string]templateSpec{}
		}
		if _, ok := st.Templates[k]; !ok {
			st.Templates[k] = v
		}
	}
	if in.apiVersions != nil {
		seen := map[string]bool{}
		var all []string
		for _, v := range append(append([]string{}, in.apiVersions...), st.ApiVersions...) {
			if !seen[v] {
				seen[v] = true
				all = append(all, v)
			}
		}
		st.ApiVersions = all
	}
	if in.kubeVersion != "" && st.KubeVersion == "" {
		st.KubeVersion = in.kubeVersion
	}
	return nil
}

// inheritedFor is the parent's config for a nested helmfile's `inherits:`.
func (st *state) inheritedFor(want []string) *inheritedConfig {
	if len(want) == 0 {
		return nil
	}
	in := &inheritedConfig{}
	for _, w := range want {
		switch w {
		case "repositories":
			in.repositories = st.Repositories
		case "helmDefaults":
			hd := st.HelmDefaults
			in.helmDefaults = &hd
		case "commonLabels":
			in.commonLabels = st.CommonLabels
		case "apiVersions":
			in.apiVersions = st.ApiVersions
		case "kubeVersion":
			in.kubeVersion = st.KubeVersion
		case "templates":
			in.templates = st.Templates
		case "environments":
			env := st.Env.DeepCopy()
			in.env = &env
		}
	}
	return in
}

func isRemote(p string) bool {
	return strings.Contains(p, "::") || strings.HasPrefix(p, "git@") || strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://")
}

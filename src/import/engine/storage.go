package main

// Paths of a state, resolved as helmfile's Storage does: relative to the
// state's folder, globs expanded and sorted, a missing file an error unless
// the missing-file handler says to skip it.

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/helmfile/helmfile/pkg/environment"
	"go.yaml.in/yaml/v3"
)

type storage struct {
	h        Host
	basePath string
	filePath string
}

func (st *state) storage(h Host) *storage {
	return &storage{h: h, basePath: st.basePath, filePath: st.file}
}

func (s *storage) normalizePath(p string) string {
	u, _ := url.Parse(p)
	if u != nil && (u.Scheme != "" || filepath.IsAbs(p)) {
		return p
	}
	if s.basePath != "" && s.basePath != "." && strings.HasPrefix(p, s.basePath+string(filepath.Separator)) {
		return p
	}
	return filepath.Join(s.basePath, p)
}

func (s *storage) expandPaths(pattern string) ([]string, error) {
	matches, err := glob(s.h, s.normalizePath(pattern))
	if err != nil {
		return nil, fmt.Errorf("failed processing %s: %v", pattern, err)
	}
	return matches, nil
}

// resolveFile expands path; with no match it fails, or (Warn, Info, Debug) is skipped.
func (s *storage) resolveFile(missingFileHandler *string, kind, path string) ([]string, bool, error) {
	if isRemote(path) {
		return nil, false, fmt.Errorf("%s file %q is remote: fetch it and import a local copy", kind, path)
	}
	files, err := s.expandPaths(path)
	if err != nil {
		return nil, false, err
	}
	handler := "Error"
	if missingFileHandler != nil {
		handler = *missingFileHandler
	}
	if len(files) > 0 {
		return files, false, nil
	}
	switch handler {
	case "Error":
		return nil, false, fmt.Errorf("%s file matching \"%s\" does not exist in \"%s\"", kind, path, s.basePath)
	case "Warn", "Info", "Debug":
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("invalid missing file handler \"%s\" while processing \"%s\" in \"%s\": it must be one of [Error Warn Info Debug]", handler, path, s.filePath)
}

// The data templates see, with helmfile's field names: .Environment, .Values,
// .StateValues, .Namespace; and in releases .Release.* too.
type environmentTemplateData struct {
	Environment environment.Environment
	Namespace   string
	Values      map[string]any
	StateValues *map[string]any
}

func newEnvironmentTemplateData(env environment.Environment, namespace string, values map[string]any) *environmentTemplateData {
	envCopy := env
	envCopy.Values = mergeCLI(env.Values, env.CLIOverrides)
	d := environmentTemplateData{envCopy, namespace, values, nil}
	d.StateValues = &d.Values
	return &d
}

type releaseTemplateData struct {
	Environment environment.Environment
	Release     releaseTemplateDataRelease
	Values      map[string]any
	StateValues *map[string]any
	KubeContext string
	Namespace   string
	Chart       string
}

type releaseTemplateDataRelease struct {
	Name         string
	Namespace    string
	Labels       map[string]string
	Chart        string
	ChartVersion string
	KubeContext  string
}

func (st *state) releaseTemplateData(r *releaseSpec, vals map[string]any) releaseTemplateData {
	d := releaseTemplateData{
		Environment: st.Env,
		KubeContext: st.OverrideKubeContext,
		Namespace:   st.OverrideNamespace,
		Chart:       st.OverrideChart,
		Values:      vals,
		Release: releaseTemplateDataRelease{
			Name: r.Name, Chart: r.Chart, Namespace: r.Namespace, Labels: r.Labels, KubeContext: r.KubeContext, ChartVersion: r.Version,
		},
	}
	d.StateValues = &d.Values
	return d
}

// sopsReferences reads a sops-encrypted YAML file's structure (its keys are
// in the clear) and gives every leaf as a reference
// `ref+sops://FILE#/json/pointer`, FILE the file's absolute path (the import
// rewrites it to the copy in the new repository). A leaf sops left
// unencrypted keeps its value. A file sops did not write is refused: there is
// nothing to refer to.
func (ld *loader) sopsReferences(file string) (map[string]any, error) {
	b, err := ld.h.ReadFile(file)
	if err != nil {
		return nil, err
	}
	ld.log.add("secret-file", file, "sops")
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("secrets file %s: %v", file, err)
	}
	if _, ok := doc["sops"]; !ok {
		return nil, fmt.Errorf("secrets file %s is not sops-encrypted (no sops: metadata): helm-cascade refers to sops files only", file)
	}
	delete(doc, "sops")
	out, _ := sopsLeaves(doc, "ref+sops://"+file+"#").(map[string]any)
	return out, nil
}

func sopsLeaves(v any, pointer string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = sopsLeaves(e, pointer+"/"+escapePointer(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sopsLeaves(e, fmt.Sprintf("%s/%d", pointer, i))
		}
		return out
	case string:
		if strings.HasPrefix(x, "ENC[") {
			return pointer
		}
		return x
	default:
		return x
	}
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

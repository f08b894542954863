package main

// Which files make the desired state, and in which order (helmfile's
// visitStates): the given file, or helmfile.yaml / helmfile.yaml.gotmpl, or
// every *.y*ml and *.y*ml.gotmpl of helmfile.d/ (sorted); each state's nested
// helmfiles are visited before its own releases. A state that does not define
// the environment is skipped, as helmfile skips it.

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
)

// findStateFiles: the state files of a file or folder.
func findStateFiles(h Host, p string) ([]string, error) {
	if fileExists(h, p) {
		return []string{p}, nil
	}
	if !dirExists(h, p) {
		return nil, fmt.Errorf("specified state file %s is not found", p)
	}
	yamlFile := filepath.Join(p, "helmfile.yaml")
	tmplFile := yamlFile + ".gotmpl"
	dDir := filepath.Join(p, "helmfile.d")
	hasYaml, hasTmpl, hasDir := fileExists(h, yamlFile), fileExists(h, tmplFile), dirExists(h, dDir)
	dir := p
	switch {
	case hasYaml && hasTmpl:
		return nil, fmt.Errorf("both %s and %s exist. Please remove one of them", yamlFile, tmplFile)
	case (hasYaml || hasTmpl) && hasDir:
		return nil, fmt.Errorf("configuration conflict: %s has both a helmfile.yaml and a helmfile.d/ folder", p)
	case hasYaml:
		return []string{yamlFile}, nil
	case hasTmpl:
		return []string{tmplFile}, nil
	case hasDir:
		dir = dDir
	}
	yml, err := glob(h, filepath.Join(dir, "*.y*ml"))
	if err != nil {
		return nil, err
	}
	tmpl, err := glob(h, filepath.Join(dir, "*.y*ml.gotmpl"))
	if err != nil {
		return nil, err
	}
	files := append(yml, tmpl...)
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no state file found in %s: it must hold helmfile.yaml, helmfile.yaml.gotmpl or helmfile.d/*.{yaml,yml,yaml.gotmpl,yml.gotmpl}", p)
	}
	return files, nil
}

type visitor struct {
	ld     *loader
	result *result
}

// visit loads every state file of p (and their nested helmfiles) for the environment.
func (v *visitor) visit(p string, opts loadOpts, selectors []string, parent string) error {
	files, err := findStateFiles(v.ld.h, p)
	if err != nil {
		return err
	}
	for _, f := range files {
		st, err := v.ld.Load(f, opts)
		var undefined *undefinedEnvError
		if errors.As(err, &undefined) {
			v.result.Skipped = append(v.result.Skipped, skippedState{File: f, Parent: parent, Reason: fmt.Sprintf("environment %q is not defined in it (helmfile skips such a file)", undefined.env)})
			continue
		}
		if err != nil {
			return fmt.Errorf("in %s: %w", f, err)
		}
		for i, m := range st.Helmfiles {
			sub := loadOpts{calleePath: f, overrideValues: m.Values, inherited: st.inheritedFor(m.Inherits)}
			subSelectors := m.Selectors
			if m.Selectors == nil || m.SelectorsInherited {
				subSelectors = selectors
			}
			if err := v.visit(m.Path, sub, subSelectors, f); err != nil {
				return fmt.Errorf("in %s .helmfiles[%d]: %w", f, i, err)
			}
		}
		if err := st.executeTemplates(v.ld.h, v.ld.log); err != nil {
			return fmt.Errorf("in %s: %w", f, err)
		}
		out, err := v.describe(st, selectors, parent)
		if err != nil {
			return fmt.Errorf("in %s: %w", f, err)
		}
		v.result.States = append(v.result.States, out)
	}
	return nil
}

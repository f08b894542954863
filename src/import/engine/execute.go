package main

// Release templates, as helmfile's ExecuteTemplates: inherit release
// templates, default the kube context and labels, then render every
// templated field until the release stops changing (at most six times).

import (
	"fmt"
	"reflect"
	"strings"

	"dario.cat/mergo"
	"github.com/helmfile/helmfile/pkg/maputil"
	"go.yaml.in/yaml/v3"
)

func mergeCLI(values, cli map[string]any) map[string]any {
	return maputil.MergeMaps(values, cli, maputil.MergeOptions{ArrayStrategy: maputil.ArrayMergeStrategyMerge})
}

func (st *state) executeTemplates(h Host, log *usageLog) error {
	for i, rt := range st.Releases {
		withDefaults := rt
		withDefaults.Inherit = st.applyDefaultInherit(rt.Inherit)
		release, err := st.releaseWithInheritedTemplate(&withDefaults, nil)
		if err != nil {
			return fmt.Errorf("unable to load release %q with template: %w", rt.Name, err)
		}
		if release.KubeContext == "" {
			release.KubeContext = st.HelmDefaults.KubeContext
		}
		if release.Labels == nil {
			release.Labels = map[string]string{}
		}
		for k, v := range st.CommonLabels {
			release.Labels[k] = v
		}
		if len(release.ApiVersions) == 0 {
			release.ApiVersions = st.ApiVersions
		}
		if release.KubeVersion == "" {
			release.KubeVersion = st.KubeVersion
		}
		done := false
		for it, prev := 0, release; it < 6; it++ {
			r := &renderer{h: h, basePath: st.basePath, log: log}
			next, err := release.executeTemplateExpressions(r, st.releaseTemplateData(prev, st.renderedValues))
			if err != nil {
				return fmt.Errorf("failed executing templates in release \"%s\".\"%s\": %v", st.file, release.Name, err)
			}
			if reflect.DeepEqual(prev, next) {
				if err := updateBoolTemplatedValues(next); err != nil {
					return fmt.Errorf("failed executing templates in release \"%s\".\"%s\": %v", st.file, release.Name, err)
				}
				st.Releases[i] = *next
				done = true
				break
			}
			prev = next
		}
		if !done {
			return fmt.Errorf("failed executing templates in release \"%s\".\"%s\": recursive references can't be resolved", st.file, release.Name)
		}
		if st.Releases[i].Chart == "" {
			return fmt.Errorf("encountered empty chart while reading release %q", st.Releases[i].Name)
		}
	}
	return nil
}

func (st *state) applyDefaultInherit(own inherits) inherits {
	if len(st.DefaultInherit) == 0 {
		return own
	}
	existing := map[string]bool{}
	var filtered inherits
	for _, in := range own {
		if n := strings.TrimSpace(in.Template); n != "" {
			existing[n] = true
			filtered = append(filtered, in)
		}
	}
	var out inherits
	for _, n := range st.DefaultInherit {
		n = strings.TrimSpace(n)
		if n != "" && !existing[n] {
			out = append(out, inherit{Template: n})
			existing[n] = true
		}
	}
	return append(out, filtered...)
}

func (st *state) releaseWithInheritedTemplate(r *releaseSpec, path []string) (*releaseSpec, error) {
	var merged releaseSpec
	for _, in := range r.Inherit {
		name := in.Template
		if name == "" {
			return r, nil
		}
		for _, t := range path {
			if t == name {
				return nil, fmt.Errorf("cyclic inheritance detected: %s", strings.Join(append(append([]string{}, path...), name), "->"))
			}
		}
		tmpl, ok := st.Templates[name]
		if !ok {
			return nil, fmt.Errorf("release %q tried to inherit inexistent release template %q", r.Name, name)
		}
		src, err := st.releaseWithInheritedTemplate(&tmpl.releaseSpec, append(append([]string{}, path...), name))
		if err != nil {
			return nil, fmt.Errorf("unable to load release template %q: %w", name, err)
		}
		for _, k := range in.Except {
			switch k {
			case "labels":
				src.Labels = map[string]string{}
			case "values":
				src.Values = nil
			case "valuesTemplate":
				src.ValuesTemplate = nil
			case "setTemplate":
				src.SetValuesTemplate = nil
			case "set":
				src.SetValues = nil
			case "setString":
				src.SetStringValues = nil
			case "secrets":
				src.Secrets = nil
			default:
				return nil, fmt.Errorf("%q is not allowed under `inherit`. Allowed values are \"set\", \"setTemplate\", \"values\", \"valuesTemplate\", \"secrets\", and \"labels\"", k)
			}
		}
		if err := mergo.Merge(&merged, src, mergo.WithAppendSlice, mergo.WithSliceDeepCopy); err != nil {
			return nil, fmt.Errorf("unable to inherit release template %q: %w", name, err)
		}
	}
	if err := mergo.Merge(&merged, r, mergo.WithAppendSlice, mergo.WithSliceDeepCopy); err != nil {
		return nil, fmt.Errorf("unable to load release %q: %w", r.Name, err)
	}
	merged.Inherit = nil
	return &merged, nil
}

func boolOf(s string) (*bool, error) {
	var b bool
	if err := yaml.Unmarshal([]byte(s), &b); err != nil {
		return nil, fmt.Errorf("failed deserialising string %s: %v", s, err)
	}
	return &b, nil
}

func updateBoolTemplatedValues(r *releaseSpec) error {
	if r.InstalledTemplate != nil {
		b, err := boolOf(*r.InstalledTemplate)
		if err != nil {
			return fmt.Errorf("installedTemplate: %v", err)
		}
		r.InstalledTemplate, r.Installed = nil, b
	}
	if r.ConditionTemplate != nil {
		b, err := boolOf(*r.ConditionTemplate)
		if err != nil {
			return fmt.Errorf("conditionTemplate: %v", err)
		}
		r.ConditionTemplate, r.Condition = nil, fmt.Sprintf("%t", *b)
	}
	if r.WaitTemplate != nil {
		b, err := boolOf(*r.WaitTemplate)
		if err != nil {
			return fmt.Errorf("waitTemplate: %v", err)
		}
		r.WaitTemplate, r.Wait = nil, b
	}
	if r.VerifyTemplate != nil {
		b, err := boolOf(*r.VerifyTemplate)
		if err != nil {
			return fmt.Errorf("verifyTemplate: %v", err)
		}
		r.VerifyTemplate, r.Verify = nil, b
	}
	return nil
}

func (r releaseSpec) clone() (*releaseSpec, error) {
	b, err := marshalYaml(r)
	if err != nil {
		return nil, fmt.Errorf("failed cloning release \"%s\": %v", r.Name, err)
	}
	var out releaseSpec
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("failed cloning release \"%s\": %v", r.Name, err)
	}
	out.SourceFile = r.SourceFile
	return &out, nil
}

// executeTemplateExpressions renders the templated fields of a release once.
func (r releaseSpec) executeTemplateExpressions(t *renderer, data any) (*releaseSpec, error) {
	res, err := r.clone()
	if err != nil {
		return nil, err
	}
	render := func(field, s string) (string, error) {
		out, err := t.render(s, data)
		if err != nil {
			return "", fmt.Errorf("failed executing template expressions in release \"%s\".%s = \"%s\": %v", r.Name, field, s, err)
		}
		return out, nil
	}
	trimmed := func(field string, p *string) error {
		out, err := render(field, *p)
		*p = strings.TrimSpace(out)
		return err
	}
	for _, f := range []struct {
		name string
		p    *string
	}{{"name", &res.Name}, {"chart", &res.Chart}, {"namespace", &res.Namespace}, {"version", &res.Version}} {
		if err := trimmed(f.name, f.p); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		p    **string
	}{{"waitTemplate", &res.WaitTemplate}, {"installedTemplate", &res.InstalledTemplate}, {"conditionTemplate", &res.ConditionTemplate}, {"verifyTemplate", &res.VerifyTemplate}} {
		if *f.p != nil {
			out, err := render(f.name, **f.p)
			if err != nil {
				return nil, err
			}
			*f.p = &out
		}
	}
	for k, v := range res.Labels {
		out, err := render("labels["+k+"]", v)
		if err != nil {
			return nil, err
		}
		res.Labels[k] = out
	}
	args := []string{}
	for _, a := range res.PostRendererArgs {
		out, err := render("postRendererArgs", a)
		if err != nil {
			return nil, err
		}
		args = append(args, out)
	}
	res.PostRendererArgs = args
	if err := res.renderValuesTemplate(t, data); err != nil {
		return nil, err
	}
	for i, v := range res.Values {
		switch x := v.(type) {
		case string:
			out, err := render(fmt.Sprintf("values[%d]", i), x)
			if err != nil {
				return nil, err
			}
			res.Values[i] = out
		case map[any]any:
			m, err := maputil.CastKeysToStrings(x)
			if err != nil {
				return nil, err
			}
			res.Values[i] = m
		}
	}
	for i, v := range res.Secrets {
		if s, ok := v.(string); ok {
			out, err := render(fmt.Sprintf("secrets[%d]", i), s)
			if err != nil {
				return nil, err
			}
			res.Secrets[i] = out
		}
	}
	if err := res.renderSetTemplate(render); err != nil {
		return nil, err
	}
	for i, n := range res.Needs {
		out, err := render(fmt.Sprintf("needs[%d]", i), n)
		if err != nil {
			return nil, err
		}
		res.Needs[i] = out
	}
	return res, nil
}

func (res *releaseSpec) renderValuesTemplate(t *renderer, data any) error {
	if len(res.ValuesTemplate) == 0 {
		return nil
	}
	for i, v := range res.ValuesTemplate {
		switch v.(type) {
		case map[any]any, map[string]any:
			b, err := marshalYaml(v)
			if err != nil {
				return err
			}
			out, err := t.render(string(b), data)
			if err != nil {
				return fmt.Errorf("failed executing template expressions in release \"%s\".values[%d] = \"%v\": %v", res.Name, i, string(b), err)
			}
			var m map[string]any
			if err := yaml.Unmarshal([]byte(out), &m); err != nil {
				return fmt.Errorf("failed executing template expressions in release \"%s\".values[%d] = \"%v\": %v", res.Name, i, v, err)
			}
			cast, err := maputil.CastKeysToStrings(m)
			if err != nil {
				return err
			}
			res.ValuesTemplate[i] = cast
		}
	}
	res.Values = append(append([]any{}, res.ValuesTemplate...), res.Values...)
	return nil
}

func (res *releaseSpec) renderSetTemplate(render func(field, s string) (string, error)) error {
	if len(res.SetValuesTemplate) == 0 {
		return nil
	}
	for i, sv := range res.SetValuesTemplate {
		var err error
		p := &res.SetValuesTemplate[i]
		if p.Name, err = render(fmt.Sprintf("set[%d].name", i), sv.Name); err != nil {
			return err
		}
		if p.Value, err = render(fmt.Sprintf("set[%d].value", i), sv.Value); err != nil {
			return err
		}
		if p.File, err = render(fmt.Sprintf("set[%d].file", i), sv.File); err != nil {
			return err
		}
		for j, v := range sv.Values {
			if s, ok := v.(string); ok {
				out, err := render(fmt.Sprintf("set[%d].values[%d]", i, j), s)
				if err != nil {
					return err
				}
				p.Values[j] = out
			}
		}
	}
	res.SetValues = append(append([]setValue{}, res.SetValuesTemplate...), res.SetValues...)
	return nil
}

// conditionEnabled is helmfile's ConditionEnabled: `condition: foo.enabled` read from the environment values.
func conditionEnabled(r releaseSpec, values map[string]any) (bool, error) {
	if r.Condition == "" {
		return true, nil
	}
	switch strings.ToLower(r.Condition) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	keys := strings.Split(r.Condition, ".")
	if keys[len(keys)-1] != "enabled" {
		return false, fmt.Errorf("Condition value must be in the form 'foo.enabled' where 'foo' can be modified as necessary")
	}
	cur := values
	path := ""
	for _, k := range keys[:len(keys)-1] {
		path += "." + k
		v, ok := cur[k]
		if !ok {
			return false, fmt.Errorf("environment values field '%s' not found", path)
		}
		if cur, ok = v.(map[string]any); !ok {
			return false, fmt.Errorf("environment values field '%s' is not a map", path)
		}
	}
	e, _ := cur["enabled"].(bool)
	return e, nil
}

// selected: does the release match one of the selectors (k=v,k!=v; name, namespace and chart count as labels)?
func selected(r releaseSpec, commonLabels map[string]string, selectors []string) (bool, error) {
	if len(selectors) == 0 {
		return true, nil
	}
	labels := map[string]string{}
	for k, v := range commonLabels {
		labels[k] = v
	}
	for k, v := range r.Labels {
		labels[k] = v
	}
	labels["name"], labels["namespace"] = r.Name, r.Namespace
	parts := strings.Split(r.Chart, "/")
	labels["chart"] = parts[len(parts)-1]
	for _, sel := range selectors {
		match := true
		for _, term := range strings.Split(sel, ",") {
			if k, v, ok := strings.Cut(term, "!="); ok {
				if got, has := labels[k]; has && got == v {
					match = false
				}
			} else if k, v, ok := strings.Cut(term, "="); ok {
				if labels[k] != v {
					match = false
				}
			} else {
				return false, fmt.Errorf("malformed label: %s. Expected label in form k=v or k!=v", term)
			}
		}
		if match {
			return true, nil
		}
	}
	return false, nil
}

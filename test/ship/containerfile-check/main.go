// containerfile-check: reads a Containerfile with BuildKit's own Dockerfile
// frontend (github.com/moby/buildkit/frontend/dockerfile), offline, and prints
// what a build would do as JSON, for test/ship/image.test.ts to check:
//   - the lint results of `docker build --check` (dockerfile2llb.DockerfileLint, every rule);
//   - the conversion to a BuildKit build graph (dockerfile2llb.Dockerfile2LLB):
//     the base images it would pull (after ARG expansion) and the final image
//     config BuildKit computes (user, entrypoint, cmd, env, workdir, labels);
//   - every COPY/ADD with its --from and its sources (ARGs expanded), and every RUN.
//
// No registry is reached: base images resolve to an empty config (recorded).
//
//	go run . CONTAINERFILE [--build-arg K=V ...]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
)

type offlineResolver struct{ refs []string }

func (r *offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	r.refs = append(r.refs, ref)
	cfg := []byte(`{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`)
	return ref, digest.FromBytes(cfg), cfg, nil
}

type copyOut struct {
	Stage   string   `json:"stage"`
	Command string   `json:"command"`
	From    string   `json:"from,omitempty"`
	Sources []string `json:"sources"`
	Dest    string   `json:"dest"`
	Line    int      `json:"line"`
}

type stageOut struct {
	Name string   `json:"name"`
	Base string   `json:"base"`
	Runs []string `json:"runs"`
	User []string `json:"users"`
}

type output struct {
	Error      string                       `json:"error,omitempty"`
	Lint       []map[string]any             `json:"lint"`
	LintError  string                       `json:"lintError,omitempty"`
	BaseImages []string                     `json:"baseImages"`
	Image      any                          `json:"image,omitempty"`
	Stages     []stageOut                   `json:"stages"`
	Copies     []copyOut                    `json:"copies"`
	MetaArgs   map[string]string            `json:"metaArgs"`
	StageArgs  map[string]map[string]string `json:"stageArgs"`
}

type env map[string]string

func (e env) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }
func (e env) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: containerfile-check CONTAINERFILE [--build-arg K=V ...]")
		os.Exit(2)
	}
	dt, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	buildArgs := map[string]string{}
	for i := 2; i+1 < len(os.Args); i += 2 {
		if os.Args[i] == "--build-arg" {
			k, v, _ := strings.Cut(os.Args[i+1], "=")
			buildArgs[k] = v
		}
	}
	out := output{Lint: []map[string]any{}, StageArgs: map[string]map[string]string{}, MetaArgs: map[string]string{}}
	ctx := context.Background()
	src := llb.Local("dockerfile")
	def, err := src.Marshal(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sm := llb.NewSourceMap(&src, os.Args[1], "Dockerfile", dt)
	sm.Definition = def
	cfg := dockerui.Config{BuildArgs: buildArgs}

	// 1. docker build --check
	lint, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{Config: cfg, SourceMap: sm, MetaResolver: &offlineResolver{}})
	if err != nil {
		out.LintError = err.Error()
	} else {
		for _, w := range lint.Warnings {
			line := 0
			if w.Location != nil && len(w.Location.Ranges) > 0 {
				line = int(w.Location.Ranges[0].Start.Line)
			}
			out.Lint = append(out.Lint, map[string]any{"rule": w.RuleName, "detail": w.Detail, "line": line})
		}
		if lint.Error != nil {
			out.LintError = lint.Error.Message
		}
	}

	// 2. the build graph and the final image config
	res := &offlineResolver{}
	result, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, dockerfile2llb.ConvertOpt{Config: cfg, SourceMap: sm, MetaResolver: res, AllStages: true})
	if err != nil {
		out.Error = err.Error()
	} else {
		if _, err := result.State.Marshal(ctx); err != nil {
			out.Error = "marshal: " + err.Error()
		}
		out.Image = result.Image
	}
	out.BaseImages = res.refs

	// 3. stages, COPY/ADD sources and RUNs, ARGs expanded as BuildKit does
	ast, err := parser.Parse(strings.NewReader(string(dt)))
	if err != nil {
		out.Error = err.Error()
		emit(out)
		return
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, linter.New(&linter.Config{}))
	if err != nil {
		out.Error = err.Error()
		emit(out)
		return
	}
	lex := shell.NewLex(ast.EscapeToken)
	global := env{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v := kv.ValueString()
			if b, ok := buildArgs[kv.Key]; ok {
				v = b
			}
			global[kv.Key] = v
			out.MetaArgs[kv.Key] = v
		}
	}
	expand := func(e env, w string) string {
		s, _, err := lex.ProcessWord(w, e)
		if err != nil {
			return w
		}
		return s
	}
	for i, st := range stages {
		name := st.Name
		if name == "" {
			name = fmt.Sprintf("stage-%d", i)
		}
		local := env{}
		so := stageOut{Name: name, Base: expand(global, st.BaseName), Runs: []string{}, User: []string{}}
		for _, c := range st.Commands {
			switch cmd := c.(type) {
			case *instructions.ArgCommand:
				for _, kv := range cmd.Args {
					if kv.Value != nil {
						local[kv.Key] = kv.ValueString()
					} else if g, ok := global[kv.Key]; ok {
						local[kv.Key] = g
					}
					if b, ok := buildArgs[kv.Key]; ok {
						local[kv.Key] = b
					}
				}
			case *instructions.CopyCommand:
				out.Copies = append(out.Copies, copyOut{Stage: name, Command: "COPY", From: expand(local, cmd.From), Sources: expandAll(expand, local, cmd.SourcePaths), Dest: expand(local, cmd.DestPath), Line: cmd.Location()[0].Start.Line})
			case *instructions.AddCommand:
				out.Copies = append(out.Copies, copyOut{Stage: name, Command: "ADD", Sources: expandAll(expand, local, cmd.SourcePaths), Dest: expand(local, cmd.DestPath), Line: cmd.Location()[0].Start.Line})
			case *instructions.RunCommand:
				so.Runs = append(so.Runs, strings.Join(cmd.CmdLine, " "))
			case *instructions.UserCommand:
				so.User = append(so.User, expand(local, cmd.User))
			}
		}
		out.StageArgs[name] = local
		out.Stages = append(out.Stages, so)
	}
	emit(out)
}

func expandAll(expand func(env, string) string, e env, words []string) []string {
	res := make([]string, len(words))
	for i, w := range words {
		res[i] = expand(e, w)
	}
	return res
}

func emit(out output) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

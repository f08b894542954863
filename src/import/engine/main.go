//go:build js && wasm

package main

// The engine as a WebAssembly module for Node (GOOS=js GOARCH=wasm). It
// registers one function, helmCascadeHelmfileEngine(request, host), that the
// TypeScript side (src/import/engine.ts) calls synchronously: the request is
// JSON ({file, env}), the host an object of synchronous callbacks (readFile,
// stat, readDir, exec, lookupEnv); the answer is JSON ({result} or {error}).

import (
	"encoding/json"
	"errors"
	"syscall/js"
)

type jsHost struct{ v js.Value }

func errOf(r js.Value) error {
	if e := r.Get("error"); e.Truthy() {
		return errors.New(e.String())
	}
	return nil
}

func (h jsHost) ReadFile(p string) ([]byte, error) {
	r := h.v.Call("readFile", p)
	if err := errOf(r); err != nil {
		return nil, err
	}
	return []byte(r.Get("data").String()), nil
}

func (h jsHost) Stat(p string) (bool, bool) {
	r := h.v.Call("stat", p)
	return r.Get("exists").Bool(), r.Get("dir").Bool()
}

func (h jsHost) ReadDir(p string) ([]DirEntry, error) {
	r := h.v.Call("readDir", p)
	if err := errOf(r); err != nil {
		return nil, err
	}
	list := r.Get("entries")
	out := make([]DirEntry, list.Length())
	for i := range out {
		e := list.Index(i)
		out[i] = DirEntry{name: e.Get("name").String(), dir: e.Get("dir").Bool()}
	}
	return out, nil
}

func (h jsHost) Exec(command string, args []string, dir, input string, env map[string]string) (string, error) {
	jsArgs := make([]any, len(args))
	for i, a := range args {
		jsArgs[i] = a
	}
	jsEnv := map[string]any{}
	for k, v := range env {
		jsEnv[k] = v
	}
	r := h.v.Call("exec", command, jsArgs, dir, input, jsEnv)
	if err := errOf(r); err != nil {
		return "", err
	}
	return r.Get("stdout").String(), nil
}

func (h jsHost) LookupEnv(name string) (string, bool) {
	r := h.v.Call("lookupEnv", name)
	if r.IsNull() || r.IsUndefined() {
		return "", false
	}
	return r.String(), true
}

func answer(v any, err error) any {
	if err != nil {
		b, _ := json.Marshal(map[string]string{"error": err.Error()})
		return string(b)
	}
	b, jerr := json.Marshal(map[string]any{"result": v})
	if jerr != nil {
		b, _ = json.Marshal(map[string]string{"error": jerr.Error()})
	}
	return string(b)
}

func main() {
	js.Global().Set("helmCascadeHelmfileEngine", js.FuncOf(func(this js.Value, args []js.Value) (out any) {
		defer func() {
			if p := recover(); p != nil {
				out = answer(nil, errors.New("engine panic: "+toString(p)))
			}
		}()
		var req request
		if err := json.Unmarshal([]byte(args[0].String()), &req); err != nil {
			return answer(nil, err)
		}
		return answer(run(req, jsHost{args[1]}))
	}))
	select {}
}

func toString(p any) string {
	if e, ok := p.(error); ok {
		return e.Error()
	}
	if s, ok := p.(string); ok {
		return s
	}
	return "unknown"
}

//go:build !js

package main

// A native build of the engine for developing it (`go run . FILE ENV`):
// the same loader, with the operating system as its host.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
)

type osHost struct{}

func (osHost) ReadFile(p string) ([]byte, error) { return os.ReadFile(p) }

func (osHost) Stat(p string) (bool, bool) {
	st, err := os.Stat(p)
	if err != nil {
		return false, false
	}
	return true, st.IsDir()
}

func (osHost) ReadDir(p string) ([]DirEntry, error) {
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, len(entries))
	for i, e := range entries {
		out[i] = DirEntry{name: e.Name(), dir: e.IsDir()}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func (osHost) Exec(command string, args []string, dir, input string, env map[string]string) (string, error) {
	cmd := exec.Command(command, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdin = bytes.NewBufferString(input)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %v", command, err)
	}
	return string(out), nil
}

func (osHost) LookupEnv(name string) (string, bool) { return os.LookupEnv(name) }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run . ABSOLUTE_FILE_OR_DIR [ENV]")
		os.Exit(2)
	}
	req := request{File: os.Args[1]}
	if len(os.Args) > 2 {
		req.Env = os.Args[2]
	}
	res, err := run(req, osHost{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
}

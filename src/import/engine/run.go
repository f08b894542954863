package main

// One request to the engine: load a helmfile (file or folder, absolute) for one environment.

import (
	"errors"
	"path/filepath"
)

type request struct {
	File string `json:"file"`
	Env  string `json:"env"`
}

func run(req request, h Host) (*result, error) {
	if !filepath.IsAbs(req.File) {
		return nil, errors.New("the engine takes absolute paths")
	}
	env := req.Env
	if env == "" {
		env = defaultEnv
	}
	log := &usageLog{}
	v := &visitor{ld: &loader{h: h, env: env, log: log}, result: &result{Env: env, States: []stateOut{}, Skipped: []skippedState{}}}
	if err := v.visit(req.File, loadOpts{}, nil, ""); err != nil {
		return nil, err
	}
	v.result.Usage = log.entries
	if v.result.Usage == nil {
		v.result.Usage = []usage{}
	}
	return v.result, nil
}

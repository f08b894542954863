package main

// The engine reads files, runs commands and looks up environment variables
// only through the host: the TypeScript side that started it (engine.ts). The
// host sees every file read and command run, so the import can say what it
// used, and nothing is touched behind its back.

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Host is what the engine may do outside itself.
type Host interface {
	ReadFile(path string) ([]byte, error)
	// Stat says whether path exists and whether it is a folder.
	Stat(path string) (exists bool, dir bool)
	// ReadDir lists a folder (names, and which are folders), sorted by name.
	ReadDir(path string) ([]DirEntry, error)
	// Exec runs a command in dir with input on stdin; env adds variables. Returns stdout, or an error with the output.
	Exec(command string, args []string, dir string, input string, env map[string]string) (string, error)
	LookupEnv(name string) (string, bool)
}

// DirEntry is one entry of ReadDir (an fs.DirEntry, as readDirEntries gives templates).
type DirEntry struct {
	name string
	dir  bool
}

func (d DirEntry) Name() string               { return d.name }
func (d DirEntry) IsDir() bool                { return d.dir }
func (d DirEntry) Type() fs.FileMode          { return d.mode().Type() }
func (d DirEntry) Info() (fs.FileInfo, error) { return fileInfo{d}, nil }
func (d DirEntry) mode() fs.FileMode {
	if d.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

type fileInfo struct{ e DirEntry }

func (i fileInfo) Name() string       { return i.e.name }
func (i fileInfo) Size() int64        { return 0 }
func (i fileInfo) Mode() fs.FileMode  { return i.e.mode() }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.e.dir }
func (i fileInfo) Sys() any           { return nil }

// hostFS is the host's file system as an fs.FS rooted at "/", so that
// fs.Glob matches exactly as filepath.Glob does for helmfile.
type hostFS struct{ h Host }

func toHost(name string) string { return "/" + name }

func (f hostFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	exists, dir := f.h.Stat(toHost(name))
	if !exists {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &openFile{fsys: f, name: name, dir: dir}, nil
}

func (f hostFS) Stat(name string) (fs.FileInfo, error) {
	exists, dir := f.h.Stat(toHost(name))
	if !exists {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fileInfo{DirEntry{name: path.Base(name), dir: dir}}, nil
}

func (f hostFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := f.h.ReadDir(toHost(name))
	if err != nil {
		return nil, err
	}
	out := make([]fs.DirEntry, len(entries))
	for i, e := range entries {
		out[i] = e
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

type openFile struct {
	fsys hostFS
	name string
	dir  bool
	data []byte
	read bool
	off  int
}

func (o *openFile) Stat() (fs.FileInfo, error) {
	return fileInfo{DirEntry{name: path.Base(o.name), dir: o.dir}}, nil
}

func (o *openFile) Read(p []byte) (int, error) {
	if o.dir {
		return 0, errors.New("is a directory")
	}
	if !o.read {
		data, err := o.fsys.h.ReadFile(toHost(o.name))
		if err != nil {
			return 0, err
		}
		o.data, o.read = data, true
	}
	if o.off >= len(o.data) {
		return 0, io.EOF
	}
	n := copy(p, o.data[o.off:])
	o.off += n
	return n, nil
}

func (o *openFile) Close() error { return nil }

// glob expands an absolute pattern as filepath.Glob does (sorted matches,
// no error for no match).
func glob(h Host, pattern string) ([]string, error) {
	abs := filepath.Clean(pattern)
	if !filepath.IsAbs(abs) {
		return nil, errors.New("glob: not an absolute path: " + pattern)
	}
	rel := strings.TrimPrefix(filepath.ToSlash(abs), "/")
	if rel == "" {
		return []string{"/"}, nil
	}
	matches, err := fs.Glob(hostFS{h}, rel)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(matches))
	for i, m := range matches {
		out[i] = "/" + m
	}
	sort.Strings(out)
	return out, nil
}

func fileExists(h Host, p string) bool {
	exists, dir := h.Stat(p)
	return exists && !dir
}

func dirExists(h Host, p string) bool {
	exists, dir := h.Stat(p)
	return exists && dir
}

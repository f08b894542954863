package main

// The helmfile state as helmfile v1.8 reads it: the same keys, and the same
// Go types for every field, because helmfile merges states, bases and release
// templates with mergo, whose result depends on the types (a *bool merges
// unlike a bool). Fields the import never reads keep helmfile's types all the
// same, so that a key helmfile refuses is refused here too (strict decoding).

import (
	"fmt"

	"github.com/helmfile/helmfile/pkg/environment"
)

type releaseSetSpec struct {
	DefaultHelmBinary        string                     `yaml:"helmBinary,omitempty"`
	DefaultKustomizeBinary   string                     `yaml:"kustomizeBinary,omitempty"`
	DefaultValues            []any                      `yaml:"values,omitempty"`
	Environments             map[string]environmentSpec `yaml:"environments,omitempty"`
	Bases                    []string                   `yaml:"bases,omitempty"`
	HelmDefaults             helmSpec                   `yaml:"helmDefaults,omitempty"`
	Helmfiles                []subHelmfileSpec          `yaml:"helmfiles,omitempty"`
	OverrideKubeContext      string                     `yaml:"kubeContext,omitempty"`
	OverrideNamespace        string                     `yaml:"namespace,omitempty"`
	OverrideChart            string                     `yaml:"chart,omitempty"`
	Repositories             []repositorySpec           `yaml:"repositories,omitempty"`
	CommonLabels             map[string]string          `yaml:"commonLabels,omitempty"`
	Releases                 []releaseSpec              `yaml:"releases,omitempty"`
	LLM                      map[string]any             `yaml:"llm,omitempty"`
	ApiVersions              []string                   `yaml:"apiVersions,omitempty"`
	KubeVersion              string                     `yaml:"kubeVersion,omitempty"`
	Hooks                    []hook                     `yaml:"hooks,omitempty"`
	Templates                map[string]templateSpec    `yaml:"templates"`
	DefaultInherit           defaultInherits            `yaml:"defaultInherit,omitempty"`
	Env                      environment.Environment    `yaml:"-"`
	MissingFileHandler       *string                    `yaml:"missingFileHandler,omitempty"`
	MissingFileHandlerConfig *missingFileHandlerConfig  `yaml:"missingFileHandlerConfig,omitempty"`
	LockFile                 string                     `yaml:"lockFilePath,omitempty"`
}

type environmentSpec struct {
	Values                   []any                     `yaml:"values,omitempty"`
	Secrets                  []string                  `yaml:"secrets,omitempty"`
	KubeContext              string                    `yaml:"kubeContext,omitempty"`
	MissingFileHandler       *string                   `yaml:"missingFileHandler,omitempty"`
	MissingFileHandlerConfig *missingFileHandlerConfig `yaml:"missingFileHandlerConfig,omitempty"`
	MergeStrategy            string                    `yaml:"mergeStrategy,omitempty"`
}

type missingFileHandlerConfig struct {
	IgnoreMissingGitBranch bool `yaml:"ignoreMissingGitBranch,omitempty"`
}

type helmSpec struct {
	KubeContext                           string   `yaml:"kubeContext,omitempty"`
	Args                                  []string `yaml:"args,omitempty"`
	DiffArgs                              []string `yaml:"diffArgs,omitempty"`
	SyncArgs                              []string `yaml:"syncArgs,omitempty"`
	TemplateArgs                          []string `yaml:"templateArgs,omitempty"`
	Verify                                bool     `yaml:"verify"`
	Keyring                               string   `yaml:"keyring,omitempty"`
	EnableDNS                             bool     `yaml:"enableDNS"`
	SkipSchemaValidation                  *bool    `yaml:"skipSchemaValidation,omitempty"`
	Devel                                 bool     `yaml:"devel"`
	Wait                                  bool     `yaml:"wait"`
	WaitRetries                           int      `yaml:"waitRetries"`
	WaitForJobs                           bool     `yaml:"waitForJobs"`
	Timeout                               int      `yaml:"timeout"`
	RecreatePods                          bool     `yaml:"recreatePods"`
	Force                                 bool     `yaml:"force"`
	Atomic                                bool     `yaml:"atomic"`
	RollbackOnFailure                     bool     `yaml:"rollbackOnFailure"`
	CleanupOnFail                         bool     `yaml:"cleanupOnFail,omitempty"`
	ForceConflicts                        bool     `yaml:"forceConflicts"`
	HistoryMax                            *int     `yaml:"historyMax,omitempty"`
	CreateNamespace                       *bool    `yaml:"createNamespace,omitempty"`
	SkipCRDs                              bool     `yaml:"skipCRDs,omitempty"`
	SkipDeps                              bool     `yaml:"skipDeps"`
	SkipRefresh                           bool     `yaml:"skipRefresh"`
	ResolveOCIVersions                    *bool    `yaml:"resolveOCIVersions,omitempty"`
	ReuseValues                           bool     `yaml:"reuseValues"`
	PostRenderer                          *string  `yaml:"postRenderer,omitempty"`
	PostRendererArgs                      []string `yaml:"postRendererArgs,omitempty"`
	Cascade                               *string  `yaml:"cascade,omitempty"`
	SuppressOutputLineRegex               []string `yaml:"suppressOutputLineRegex,omitempty"`
	DisableAutoDetectedKubeVersionForDiff *bool    `yaml:"disableAutoDetectedKubeVersionForDiff,omitempty"`
	DisableValidation                     *bool    `yaml:"disableValidation,omitempty"`
	DisableOpenAPIValidation              *bool    `yaml:"disableOpenAPIValidation,omitempty"`
	InsecureSkipTLSVerify                 bool     `yaml:"insecureSkipTLSVerify,omitempty"`
	PlainHttp                             bool     `yaml:"plainHttp,omitempty"`
	DeleteWait                            bool     `yaml:"deleteWait,omitempty"`
	DeleteTimeout                         int      `yaml:"deleteTimeout,omitempty"`
	SyncReleaseLabels                     *bool    `yaml:"syncReleaseLabels,omitempty"`
	TakeOwnership                         *bool    `yaml:"takeOwnership,omitempty"`
	ServerSide                            *string  `yaml:"serverSide,omitempty"`
	TrackMode                             string   `yaml:"trackMode,omitempty"`
	HelmStuckGrace                        int      `yaml:"helmStuckGrace,omitempty"`
}

type repositorySpec struct {
	Name            string `yaml:"name,omitempty" json:"name,omitempty"`
	URL             string `yaml:"url,omitempty" json:"url,omitempty"`
	CaFile          string `yaml:"caFile,omitempty" json:"caFile,omitempty"`
	CertFile        string `yaml:"certFile,omitempty" json:"certFile,omitempty"`
	KeyFile         string `yaml:"keyFile,omitempty" json:"keyFile,omitempty"`
	Username        string `yaml:"username,omitempty" json:"username,omitempty"`
	Password        string `yaml:"password,omitempty" json:"password,omitempty"`
	RegistryConfig  string `yaml:"registryConfig,omitempty" json:"registryConfig,omitempty"`
	Managed         string `yaml:"managed,omitempty" json:"managed,omitempty"`
	OCI             bool   `yaml:"oci,omitempty" json:"oci,omitempty"`
	Verify          bool   `yaml:"verify,omitempty" json:"verify,omitempty"`
	Keyring         string `yaml:"keyring,omitempty" json:"keyring,omitempty"`
	PassCredentials bool   `yaml:"passCredentials,omitempty" json:"passCredentials,omitempty"`
	SkipTLSVerify   bool   `yaml:"skipTLSVerify,omitempty" json:"skipTLSVerify,omitempty"`
	PlainHttp       bool   `yaml:"plainHttp,omitempty" json:"plainHttp,omitempty"`
}

type hook struct {
	Name     string            `yaml:"name"`
	Events   []string          `yaml:"events"`
	Command  string            `yaml:"command"`
	Kubectl  map[string]string `yaml:"kubectlApply,omitempty"`
	Args     []string          `yaml:"args"`
	ShowLogs bool              `yaml:"showlogs"`
}

type setValue struct {
	Name   string `yaml:"name,omitempty" json:"name,omitempty"`
	Value  string `yaml:"value,omitempty" json:"value,omitempty"`
	File   string `yaml:"file,omitempty" json:"file,omitempty"`
	Values []any  `yaml:"values,omitempty" json:"values,omitempty"`
}

type inherit struct {
	Template string   `yaml:"template,omitempty"`
	Except   []string `yaml:"except,omitempty"`
}

type inherits []inherit

// UnmarshalYAML takes a list, or (deprecated) a single map.
func (r *inherits) UnmarshalYAML(unmarshal func(any) error) error {
	var list []inherit
	if err := unmarshal(&list); err != nil {
		var one inherit
		if err := unmarshal(&one); err != nil {
			return err
		}
		*r = []inherit{one}
		return nil
	}
	*r = list
	return nil
}

type defaultInherits []string

// UnmarshalYAML takes a list or a single name; blank names are dropped.
func (r *defaultInherits) UnmarshalYAML(unmarshal func(any) error) error {
	var list []string
	if err := unmarshal(&list); err != nil {
		var one string
		if err := unmarshal(&one); err != nil {
			return err
		}
		list = []string{one}
	}
	var out []string
	for _, n := range list {
		if n != "" {
			out = append(out, n)
		}
	}
	*r = out
	return nil
}

type dependency struct {
	Chart   string `yaml:"chart"`
	Version string `yaml:"version"`
	Alias   string `yaml:"alias"`
}

type trackResourceSpec struct {
	Kind      string `yaml:"kind,omitempty"`
	Name      string `yaml:"name,omitempty"`
	Namespace string `yaml:"namespace,omitempty"`
}

type releaseSpec struct {
	Chart                                 string                    `yaml:"chart,omitempty"`
	ChartPath                             string                    `yaml:"chartPath,omitempty"`
	Directory                             string                    `yaml:"directory,omitempty"`
	Version                               string                    `yaml:"version,omitempty"`
	Verify                                *bool                     `yaml:"verify,omitempty"`
	Keyring                               string                    `yaml:"keyring,omitempty"`
	EnableDNS                             *bool                     `yaml:"enableDNS,omitempty"`
	Devel                                 *bool                     `yaml:"devel,omitempty"`
	Wait                                  *bool                     `yaml:"wait,omitempty"`
	WaitRetries                           *int                      `yaml:"waitRetries,omitempty"`
	WaitForJobs                           *bool                     `yaml:"waitForJobs,omitempty"`
	Timeout                               *int                      `yaml:"timeout,omitempty"`
	RecreatePods                          *bool                     `yaml:"recreatePods,omitempty"`
	Force                                 *bool                     `yaml:"force,omitempty"`
	Installed                             *bool                     `yaml:"installed,omitempty"`
	UpdateStrategy                        string                    `yaml:"updateStrategy,omitempty"`
	Atomic                                *bool                     `yaml:"atomic,omitempty"`
	RollbackOnFailure                     *bool                     `yaml:"rollbackOnFailure,omitempty"`
	CleanupOnFail                         *bool                     `yaml:"cleanupOnFail,omitempty"`
	ForceConflicts                        *bool                     `yaml:"forceConflicts,omitempty"`
	HistoryMax                            *int                      `yaml:"historyMax,omitempty"`
	Condition                             string                    `yaml:"condition,omitempty"`
	CreateNamespace                       *bool                     `yaml:"createNamespace,omitempty"`
	ReuseValues                           *bool                     `yaml:"reuseValues,omitempty"`
	DisableOpenAPIValidation              *bool                     `yaml:"disableOpenAPIValidation,omitempty"`
	DisableValidation                     *bool                     `yaml:"disableValidation,omitempty"`
	DisableValidationOnInstall            *bool                     `yaml:"disableValidationOnInstall,omitempty"`
	MissingFileHandler                    *string                   `yaml:"missingFileHandler,omitempty"`
	MissingFileHandlerConfig              *missingFileHandlerConfig `yaml:"missingFileHandlerConfig,omitempty"`
	Needs                                 []string                  `yaml:"needs,omitempty"`
	Hooks                                 []hook                    `yaml:"hooks,omitempty"`
	UnitTests                             []string                  `yaml:"unitTests,omitempty"`
	Name                                  string                    `yaml:"name,omitempty"`
	Description                           string                    `yaml:"description,omitempty"`
	Namespace                             string                    `yaml:"namespace,omitempty"`
	Labels                                map[string]string         `yaml:"labels,omitempty"`
	Values                                []any                     `yaml:"values,omitempty"`
	Secrets                               []any                     `yaml:"secrets,omitempty"`
	SetValues                             []setValue                `yaml:"set,omitempty"`
	SetStringValues                       []setValue                `yaml:"setString,omitempty"`
	ValuesTemplate                        []any                     `yaml:"valuesTemplate,omitempty"`
	SetValuesTemplate                     []setValue                `yaml:"setTemplate,omitempty"`
	ApiVersions                           []string                  `yaml:"apiVersions,omitempty"`
	KubeVersion                           string                    `yaml:"kubeVersion,omitempty"`
	EnvValues                             []setValue                `yaml:"env,omitempty"`
	ValuesPathPrefix                      string                    `yaml:"valuesPathPrefix,omitempty"`
	KubeContext                           string                    `yaml:"kubeContext,omitempty"`
	InsecureSkipTLSVerify                 bool                      `yaml:"insecureSkipTLSVerify,omitempty"`
	PlainHttp                             bool                      `yaml:"plainHttp,omitempty"`
	VerifyTemplate                        *string                   `yaml:"verifyTemplate,omitempty"`
	WaitTemplate                          *string                   `yaml:"waitTemplate,omitempty"`
	InstalledTemplate                     *string                   `yaml:"installedTemplate,omitempty"`
	ConditionTemplate                     *string                   `yaml:"conditionTemplate,omitempty"`
	Dependencies                          []dependency              `yaml:"dependencies,omitempty"`
	JSONPatches                           []any                     `yaml:"jsonPatches,omitempty"`
	StrategicMergePatches                 []any                     `yaml:"strategicMergePatches,omitempty"`
	Transformers                          []any                     `yaml:"transformers,omitempty"`
	Adopt                                 []string                  `yaml:"adopt,omitempty"`
	ForceGoGetter                         bool                      `yaml:"forceGoGetter,omitempty"`
	ForceNamespace                        string                    `yaml:"forceNamespace,omitempty"`
	SkipDeps                              *bool                     `yaml:"skipDeps,omitempty"`
	SkipRefresh                           *bool                     `yaml:"skipRefresh,omitempty"`
	ResolveOCIVersions                    *bool                     `yaml:"resolveOCIVersions,omitempty"`
	PostRenderer                          *string                   `yaml:"postRenderer,omitempty"`
	SkipSchemaValidation                  *bool                     `yaml:"skipSchemaValidation,omitempty"`
	PostRendererArgs                      []string                  `yaml:"postRendererArgs,omitempty"`
	Cascade                               *string                   `yaml:"cascade,omitempty"`
	SuppressOutputLineRegex               []string                  `yaml:"suppressOutputLineRegex,omitempty"`
	DisableAutoDetectedKubeVersionForDiff *bool                     `yaml:"disableAutoDetectedKubeVersionForDiff,omitempty"`
	Inherit                               inherits                  `yaml:"inherit,omitempty"`
	SuppressDiff                          *bool                     `yaml:"suppressDiff,omitempty"`
	DeleteWait                            *bool                     `yaml:"deleteWait,omitempty"`
	DeleteTimeout                         *int                      `yaml:"deleteTimeout,omitempty"`
	SyncReleaseLabels                     *bool                     `yaml:"syncReleaseLabels,omitempty"`
	TakeOwnership                         *bool                     `yaml:"takeOwnership,omitempty"`
	ServerSide                            *string                   `yaml:"serverSide,omitempty"`
	TrackMode                             string                    `yaml:"trackMode,omitempty"`
	TrackTimeout                          *int                      `yaml:"trackTimeout,omitempty"`
	TrackLogs                             *bool                     `yaml:"trackLogs,omitempty"`
	TrackFailedLogs                       *bool                     `yaml:"trackFailedLogs,omitempty"`
	HelmStuckGrace                        *int                      `yaml:"helmStuckGrace,omitempty"`
	TrackKinds                            []string                  `yaml:"trackKinds,omitempty"`
	SkipKinds                             []string                  `yaml:"skipKinds,omitempty"`
	TrackResources                        []trackResourceSpec       `yaml:"trackResources,omitempty"`
	KubedogQPS                            *float32                  `yaml:"kubedogQPS,omitempty"`
	KubedogBurst                          *int                      `yaml:"kubedogBurst,omitempty"`
	TrackFailOnError                      *bool                     `yaml:"trackFailOnError,omitempty"`

	// SourceFile is the file the release was read from (a base, a part or the file itself); not a helmfile key.
	SourceFile string `yaml:"-"`
}

type templateSpec struct {
	releaseSpec `yaml:",inline"`
}

// subHelmfileSpec is one entry of `helmfiles:`: a path (or glob), or a map
// with path, selectors, inherits and values.
type subHelmfileSpec struct {
	Path               string
	Selectors          []string
	SelectorsInherited bool
	Inherits           []string
	Values             []any
}

func (hf *subHelmfileSpec) UnmarshalYAML(unmarshal func(any) error) error {
	var tmp any
	if err := unmarshal(&tmp); err != nil {
		return err
	}
	switch i := tmp.(type) {
	case string:
		hf.Path = i
	case map[string]any, map[any]any:
		var m struct {
			Path               string   `yaml:"path"`
			Selectors          []string `yaml:"selectors"`
			SelectorsInherited bool     `yaml:"selectorsInherited"`
			Inherits           []string `yaml:"inherits"`
			Values             []any    `yaml:"values,omitempty"`
		}
		if err := unmarshal(&m); err != nil {
			return err
		}
		*hf = subHelmfileSpec{Path: m.Path, Selectors: m.Selectors, SelectorsInherited: m.SelectorsInherited, Inherits: m.Inherits, Values: m.Values}
	}
	if hf.Selectors != nil && hf.Path == "" {
		return fmt.Errorf("found 'selectors' definition without path: %v", hf.Selectors)
	}
	if hf.SelectorsInherited && len(hf.Selectors) > 0 {
		return fmt.Errorf("you cannot use 'SelectorsInherited: true' along with and explicit selector for path: %v", hf.Path)
	}
	return nil
}

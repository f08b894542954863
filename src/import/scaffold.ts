// What every new deploy repository gets, from `init` and from `import
// helmfile`: the JSON Schemas of its two files copied into schema/ (so the
// `# yaml-language-server: $schema=` modelines resolve in any checkout, with
// no path to where helm-cascade is installed), VS Code wiring for the YAML
// extension, and a .gitignore for the run logs.
import { readFileSync } from 'node:fs';

const schemaDir = new URL('../../schema/', import.meta.url);

/** The modeline of clusters.yaml and of a release file (paths relative to the file). */
export const MODELINE = {
  clusters: '# yaml-language-server: $schema=schema/clusters.schema.json',
  release: '# yaml-language-server: $schema=../schema/release.schema.json',
} as const;

const VSCODE_SETTINGS = {
  'yaml.schemas': {
    './schema/clusters.schema.json': ['clusters.yaml'],
    './schema/release.schema.json': ['releases/*.yaml', 'releases/*.yml'],
  },
};

const GITIGNORE = `# helm-cascade: run logs and reports of apply and rollback
.helm-cascade/
# plans saved with plan --out, and JUnit reports
*.plan.json
*.junit.xml
`;

/** Repository-relative path -> content of the scaffolding files. */
export function scaffoldFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of ['clusters.schema.json', 'release.schema.json']) files.set(`schema/${name}`, readFileSync(new URL(name, schemaDir), 'utf8'));
  files.set('.vscode/settings.json', `${JSON.stringify(VSCODE_SETTINGS, null, 2)}\n`);
  files.set('.vscode/extensions.json', `${JSON.stringify({ recommendations: ['redhat.vscode-yaml'] }, null, 2)}\n`);
  files.set('.gitignore', GITIGNORE);
  return files;
}

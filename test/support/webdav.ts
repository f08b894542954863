// A real WebDAV server for upload tests: Debian's nginx with its dav module
// (PUT with create_full_put_path, so /drift/<run>/<file> needs no MKCOL),
// basic auth from an htpasswd file, files served back by GET. On 127.0.0.1, a
// port found free just before (nginx cannot bind port 0; a clash is retried).
// scripts/system-deps.mjs installs nginx; NGINX_BIN names another.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { freePort } from './free-port.ts';
import { tempDir } from './tmp.ts';

export function nginxBin(): string {
  const bin = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
  assert.ok(existsSync(bin), `nginx is not installed at ${bin}: run \`node scripts/system-deps.mjs\` (apt-get install -y nginx), as \`npm test\` does first`);
  return bin;
}

export interface Webdav {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The folder served at / (what was PUT lands here). */
  root: string;
  /** Requests nginx logged: "METHOD /path STATUS user". */
  requests(): string[];
  stop(): Promise<void>;
}

function config(dir: string, port: number): string {
  const user = userInfo();
  return `${user.uid === 0 ? 'user root root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  log_format dav '$request_method $uri $status $remote_user';
  access_log ${dir}/access.log dav;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { text/html html; application/json json; application/xml xml; text/markdown md; }
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location / {
      dav_methods PUT DELETE MKCOL;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      auth_basic "drift reports";
      auth_basic_user_file ${dir}/htpasswd;
    }
  }
}
`;
}

/** nginx serving a WebDAV tree that `user:password` may write to and read from. */
export async function startWebdav(auth: { user: string; password: string }): Promise<Webdav> {
  const dir = tempDir('hc-webdav-');
  for (const d of ['www', 'tmp']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'htpasswd'), `${auth.user}:{PLAIN}${auth.password}\n`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(dir, port));
    const proc = execa(nginxBin(), ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { reject: false, all: true, buffer: true });
    let exited = false;
    void proc.then(() => (exited = true));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !exited; i++) {
      const res = await fetch(`${url}/`).catch(() => undefined);
      if (res) {
        const stop = async () => {
          proc.kill('SIGQUIT');
          await proc;
          rmSync(dir, { recursive: true, force: true });
        };
        const requests = () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean) : []);
        return { url, root: join(dir, 'www'), requests, stop };
      }
      await sleep(100);
    }
    if (!exited) proc.kill('SIGKILL');
    const out = String((await proc).all ?? '');
    if (!/Address already in use/.test(out)) throw new Error(`nginx did not start: ${out}`);
  }
  throw new Error('nginx found no free port in 3 attempts');
}

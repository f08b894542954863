#!/bin/sh
# The clone initContainer: git clone of repository.git into /repo/checkout
# ($CLONE_DIR).
# ssh needs the uid in /etc/passwd (the helm-cascade image has 65532), the key
# given with -i, and a known_hosts file it can read (or write, with accept-new).
set -eu
if [ -n "${GIT_SSH_DIR:-}" ]; then
  known=${TMPDIR:-/tmp}/known_hosts strict=accept-new
  if [ -s "$GIT_SSH_DIR/known_hosts" ]; then
    known=$GIT_SSH_DIR/known_hosts strict=yes
  elif [ -n "${GIT_SSH_KNOWN_HOSTS:-}" ]; then
    printf '%s\n' "$GIT_SSH_KNOWN_HOSTS" > "$known"
    strict=yes
  fi
  export GIT_SSH_COMMAND="ssh -i $GIT_SSH_DIR/ssh-privatekey -o IdentitiesOnly=yes -o UserKnownHostsFile=$known -o StrictHostKeyChecking=$strict"
fi
set -- clone "--depth=$GIT_DEPTH" --single-branch "--branch=$GIT_REF" -- "$GIT_URL" "${CLONE_DIR:-/repo/checkout}"
if [ -n "${GIT_CREDENTIALS_FILE:-}" ]; then
  set -- -c "credential.helper=store --file=$GIT_CREDENTIALS_FILE" "$@"
fi
exec git "$@"

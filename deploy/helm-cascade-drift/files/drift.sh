#!/bin/sh
# The drift container: helm-cascade drift with the chart's flags ("$@").
# - This run's reports go to $REPORTS_DIR/<run>/ (a sharded run, one pod per
#   index of an Indexed Job: $REPORTS_DIR/<run>/shard-<i>-of-<n>/), and
#   $REPORTS_DIR/latest points at the last run. <run> is the time the CronJob
#   scheduled the Job (read off its name), so every shard of a run writes to
#   the same folder; a Job made by hand: its name when sharded, else now.
# - Old runs are removed: beyond the last $REPORTS_KEEP, and older than
#   $REPORTS_KEEP_DAYS days (0: no limit); each run folder holds a marker
#   (.helm-cascade-run), nothing else on the volume is touched.
# - $METRICS_TEXTFILE: the Prometheus metrics also written to that fixed path
#   (-shard-<i>-of-<n> before .prom when sharded), for node-exporter.
# - $UPLOAD_URL: each report file PUT (or POSTed) with curl to the URL, {run}
#   and {file} replaced (without {file}, /{run}/{file} is appended); then the
#   HTML drift matrix again as the latest page ({run} = latest), or to
#   $UPLOAD_LATEST_URL when set. $CURL_CONFIG: a curl config (credentials,
#   headers, CA). No URL is ever printed (it may carry a token).
# Exit code: helm-cascade's, except drift found (2) is 0 with
# EXIT_ZERO_ON_DRIFT=true; a failed upload makes a clean run 1.
set -u
marker=.helm-cascade-run

run_id() {
  if [ -n "${RUN_ID:-}" ]; then printf '%s\n' "$RUN_ID"; return; fi
  case ${JOB_NAME:-} in
    # a CronJob's Job is named <cronjob>-<scheduled time in minutes since the epoch>
    *-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) date -u -d "@$((${JOB_NAME##*-} * 60))" +%Y%m%dT%H%M%SZ && return ;;
  esac
  if [ -n "${JOB_NAME:-}" ] && [ "${SHARDS:-1}" -gt 1 ]; then printf '%s\n' "$JOB_NAME"; return; fi
  date -u +%Y%m%dT%H%M%SZ
}

run=$(run_id)
sub=""
if [ "${SHARDS:-1}" -gt 1 ]; then
  if [ -z "${JOB_COMPLETION_INDEX:-}" ]; then echo "drift.sh: SHARDS=$SHARDS but no JOB_COMPLETION_INDEX: run it as an Indexed Job" >&2; exit 4; fi
  shard=$((JOB_COMPLETION_INDEX + 1))
  sub=shard-$shard-of-$SHARDS
  set -- --shard "$shard/$SHARDS" "$@"
fi
dir=$REPORTS_DIR/$run${sub:+/$sub}
mkdir -p "$dir" && touch "$REPORTS_DIR/$run/$marker" || exit 1

formats=text
for f in $REPORT_FORMATS; do
  case $f in
    json) ext=json ;; junit) ext=xml ;; html) ext=html ;; markdown) ext=md ;; prometheus) ext=prom ;;
    *) echo "drift.sh: unknown report format $f" >&2; exit 4 ;;
  esac
  formats="$formats,$f=$dir/drift.$ext"
done
if [ -n "${METRICS_TEXTFILE:-}" ]; then
  textfile=$METRICS_TEXTFILE
  [ -n "$sub" ] && textfile=${METRICS_TEXTFILE%.prom}-$sub.prom
  formats="$formats,prometheus=$textfile"
fi

helm-cascade drift --format "$formats" "$@"
rc=$?
case $rc in
  0) echo "helm-cascade drift: nothing drifted; reports in $dir" ;;
  2) echo "helm-cascade drift: drift found (exit 2); reports in $dir" ;;
  *) echo "helm-cascade drift: exit $rc; reports in $dir" >&2 ;;
esac
ln -sfn "$run" "$REPORTS_DIR/latest.tmp$$" && mv -fT "$REPORTS_DIR/latest.tmp$$" "$REPORTS_DIR/latest"

# retention: the other runs, newest first
n=0
ls -1t "$REPORTS_DIR"/*/"$marker" 2>/dev/null | while IFS= read -r m; do
  old=${m%/"$marker"}
  case ${old##*/} in latest | latest.tmp*) continue ;; esac
  [ "$old" = "$REPORTS_DIR/$run" ] && continue
  n=$((n + 1))
  if [ "${REPORTS_KEEP:-0}" -gt 0 ] && [ "$n" -ge "$REPORTS_KEEP" ]; then
    rm -rf "$old" && echo "removed run ${old##*/} (keep $REPORTS_KEEP)"
  elif [ "${REPORTS_KEEP_DAYS:-0}" -gt 0 ] && [ -n "$(find "$m" -mmin +$((REPORTS_KEEP_DAYS * 1440)))" ]; then
    rm -rf "$old" && echo "removed run ${old##*/} (older than $REPORTS_KEEP_DAYS days)"
  fi
done

upload_failed=0
upload() { # file, url, name shown
  if curl -fsS --retry "${UPLOAD_RETRIES:-3}" --retry-delay 2 ${CURL_CONFIG:+--config "$CURL_CONFIG"} -X "${UPLOAD_METHOD:-PUT}" --upload-file "$1" -o /dev/null "$2"; then
    echo "uploaded $3"
  else
    echo "drift.sh: upload of $3 failed" >&2
    upload_failed=1
  fi
}
if [ -n "${UPLOAD_URL:-}" ]; then
  case $UPLOAD_URL in *'{file}'*) template=$UPLOAD_URL ;; *) template=${UPLOAD_URL%/}/{run}/{file} ;; esac
  url_of() { printf '%s' "$template" | sed -e "s|{run}|$1|g" -e "s|{file}|$2|g"; }
  for file in "$dir"/*; do
    [ -f "$file" ] || continue
    name=${sub:+$sub/}${file##*/}
    upload "$file" "$(url_of "$run" "$name")" "$run/$name"
  done
fi
if [ "${UPLOAD_LATEST:-true}" = true ] && [ -f "$dir/drift.html" ]; then
  if [ -n "${UPLOAD_LATEST_URL:-}" ]; then
    if [ -z "$sub" ]; then upload "$dir/drift.html" "$UPLOAD_LATEST_URL" "the latest page"; else echo "drift.sh: a sharded run uploads no page to the latest URL (each shard's page goes to latest/shard-i-of-n/ with the upload URL)"; fi
  elif [ -n "${UPLOAD_URL:-}" ]; then
    upload "$dir/drift.html" "$(url_of latest "${sub:+$sub/}drift.html")" "latest/${sub:+$sub/}drift.html"
  fi
fi

if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then exit "$rc"; fi
if [ "$upload_failed" -ne 0 ]; then exit 1; fi
if [ "$rc" -eq 2 ] && [ "${EXIT_ZERO_ON_DRIFT:-false}" != true ]; then exit 2; fi
exit 0

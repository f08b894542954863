#!/bin/sh
# The drift container: helm-cascade drift with the chart's flags ("$@"), the
# reports of this run written to $REPORTS_DIR/<run>/ (and $REPORTS_DIR/latest),
# the Prometheus metrics to $METRICS_TEXTFILE when set (a fixed path, for
# node-exporter's textfile collector; helm-cascade writes it atomically),
# old runs pruned, each report uploaded when an upload URL is set. Exit code:
# helm-cascade's, except drift found (2) is 0 with EXIT_ZERO_ON_DRIFT=true; a
# failed upload makes it 1.
set -u
run=$(date -u +%Y%m%dT%H%M%SZ)
dir=$REPORTS_DIR/$run
mkdir -p "$dir" || exit 1
formats=text
for f in $REPORT_FORMATS; do
  case $f in
    json) ext=json ;; junit) ext=xml ;; html) ext=html ;; markdown) ext=md ;; prometheus) ext=prom ;;
    *) echo "drift.sh: unknown report format $f" >&2; exit 4 ;;
  esac
  formats="$formats,$f=$dir/drift.$ext"
done
if [ -n "${METRICS_TEXTFILE:-}" ]; then formats="$formats,prometheus=$METRICS_TEXTFILE"; fi

helm-cascade drift --format "$formats" "$@"
rc=$?
case $rc in
  0) echo "helm-cascade drift: nothing drifted; reports in $dir" ;;
  2) echo "helm-cascade drift: drift found (exit 2); reports in $dir" ;;
  *) echo "helm-cascade drift: exit $rc; reports in $dir" >&2 ;;
esac
ln -sfn "$run" "$REPORTS_DIR/latest.tmp" && mv -fT "$REPORTS_DIR/latest.tmp" "$REPORTS_DIR/latest"

if [ "${REPORTS_KEEP:-0}" -gt 0 ]; then
  ls -1d "$REPORTS_DIR"/[0-9]*T*Z 2>/dev/null | sort -r | tail -n "+$((REPORTS_KEEP + 1))" | while read -r old; do rm -rf "$old"; done
fi

upload_failed=0
if [ -n "${UPLOAD_URL:-}" ]; then
  case $UPLOAD_URL in *'{file}'*) template=$UPLOAD_URL ;; *) template=${UPLOAD_URL%/}/{run}/{file} ;; esac
  for file in "$dir"/*; do
    [ -f "$file" ] || continue
    name=${file##*/}
    url=$(printf '%s' "$template" | sed -e "s|{run}|$run|g" -e "s|{file}|$name|g")
    if curl -fsS --retry "${UPLOAD_RETRIES:-3}" --retry-delay 2 ${CURL_CONFIG:+--config "$CURL_CONFIG"} -X "${UPLOAD_METHOD:-PUT}" --upload-file "$file" -o /dev/null "$url"; then
      echo "uploaded $name"
    else
      echo "drift.sh: upload of $name failed" >&2
      upload_failed=1
    fi
  done
fi

if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then exit "$rc"; fi
if [ "$upload_failed" -ne 0 ]; then exit 1; fi
if [ "$rc" -eq 2 ] && [ "${EXIT_ZERO_ON_DRIFT:-false}" != true ]; then exit 2; fi
exit 0

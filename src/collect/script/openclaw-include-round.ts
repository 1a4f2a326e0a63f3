import { MAX_INCLUDE_DEPTH } from '../../openclaw/config-include.js';

/**
 * OpenClaw's `$include` files, mirroring openclaw/config-include.ts as far as deciding what to read
 * goes: from every config candidate the OpenClaw round read (`oc_read`), the paths named by an
 * `$include` (a string, or an array of strings), relative to the including file, normalised, and
 * kept only inside the main config's directory, before and after following links (`readlink -f`,
 * recorded for the collector's own check): a gateway user's `$include: "/etc/shadow"` is never
 * read. Level by level, at most MAX_INCLUDE_DEPTH deep, each file once, through the safe read.
 * OPENCLAW_INCLUDE_ROOTS is not followed: such an include shows in `collection.missing`.
 */

/** `oc_read PATH`: a config candidate, read, and noted (with its directory as the include root) when approved. */
export const OPENCLAW_INCLUDE_HELPERS = `
: > "$T/ocmap"
oc_read() { # PATH [ROOT DEPTH]: its owners too (the collector reads it only as the gateway's user could)
  k0=$K
  path_owners "$1"
  read_file "$1"
  [ "$K" = "$k0" ] || printf '%s\\t%s\\t%s\\t%s\\n' "$T/$K.f" "$1" "\${2:-\${1%/*}}" "\${3:-0}" >> "$T/ocmap"
}
`;

export const OPENCLAW_INCLUDE_ROUND = `
OCSEEN=
level=0
while [ -s "$T/ocmap" ] && [ $level -lt ${MAX_INCLUDE_DEPTH} ]; do
  level=$((level + 1))
  flush_reads
  failed=$FAILED
  set --
  while IFS="$TAB" read -r df p r dp; do
    k=\${df##*/}; k=\${k%.f}
    case $failed in *" $k "*) ;; *) set -- "$@" "$df" ;; esac
  done < "$T/ocmap"
  mv "$T/ocmap" "$T/ocprev"; : > "$T/ocmap"
  [ $# -gt 0 ] || break
  # Every $include value's strings, resolved and normalised: "PATH<TAB>ROOT<TAB>DEPTH".
  awk -v max=${MAX_INCLUDE_DEPTH} 'BEGIN { FS = "\\t" }
    function emit(s,   n, parts, out, i, k, dir) {
      if (s == "" || d[FILENAME] + 1 > max) return
      dir = p[FILENAME]; sub(/\\/[^\\/]*$/, "", dir)
      if (substr(s, 1, 1) != "/") s = dir "/" s
      n = split(s, parts, "/"); k = 0
      for (i = 1; i <= n; i++) {
        if (parts[i] == "" || parts[i] == ".") continue
        if (parts[i] == "..") { if (k > 0) k--; continue }
        out[++k] = parts[i]
      }
      s = ""
      for (i = 1; i <= k; i++) s = s "/" out[i]
      if (s == "") s = "/"
      if (s == r[FILENAME] || index(s, r[FILENAME] "/") == 1) print s "\\t" r[FILENAME] "\\t" (d[FILENAME] + 1)
    }
    NR == FNR { p[$1] = $2; r[$1] = $3; d[$1] = $4; next }
    FNR == 1 { mode = 0 }
    {
      line = $0
      while (line != "") {
        if (mode == 0) {
          i = index(line, "$include"); if (i == 0) break
          line = substr(line, i + 8); sub(/^["\\047]?[ \\t]*/, "", line)
          if (substr(line, 1, 1) != ":") continue
          line = substr(line, 2); mode = 1; continue
        }
        sub(/^[ \\t]+/, "", line); if (line == "") break
        c = substr(line, 1, 1)
        if (mode == 1 && c == "[") { mode = 2; line = substr(line, 2); continue }
        if (c == "\\"" || c == "\\047") {
          rest = substr(line, 2); j = index(rest, c)
          if (j == 0) { mode = 0; break }
          emit(substr(rest, 1, j - 1)); line = substr(rest, j + 1)
          if (mode == 1) mode = 0
          continue
        }
        if (mode == 2 && c == ",") { line = substr(line, 2); continue }
        mode = 0
      }
    }' "$T/ocprev" "$@" > "$T/ocinc" 2>/dev/null
  while IFS="$TAB" read -r inc root depth; do
    case "$NL$OCSEEN$NL" in *"$NL$inc$NL"*) continue ;; esac
    OCSEEN="$OCSEEN$NL$inc"
    rr=$(readlink -f "$root" 2>/dev/null) && outv real ok "$root" "$rr" || rr=$root
    if ri=$(readlink -f "$inc" 2>/dev/null); then
      outv real ok "$inc" "$ri"
      case $ri in "$rr"|"$rr"/*) ;; *) continue ;; esac
    fi
    oc_read "$inc" "$root" "$depth"
  done < "$T/ocinc"
done
`;

/**
 * sshd's `Include`s, mirroring sshd.ts readSshdConfigFiles (the collector's reading when `sshd -T`
 * fails, as for a plain user, and for the Match blocks `sshd -T` does not print): from the running
 * sshd's -f (or /etc/ssh/sshd_config), every Include's patterns, in Match blocks too, relative to /etc/ssh, a `*` expanded in its last
 * component, level by level, at most 9 files deep, each file once, through the safe read.
 */
export const SSHD_INCLUDE_ROUND = `
ss_queue() {
  case "$NL$SSEEN$NL" in *"$NL$1$NL"*) return 0 ;; esac
  SSEEN="$SSEEN$NL$1"
  # A declared file the first batch read (sshd_config itself): its bytes, the very ones its record
  # holds, are parsed for Includes; no second read (and no second process) for the same file.
  sc_index "$1"; k=
  [ -z "$SCI" ] || eval "k=\\\${RK_$SCI:-}"
  if [ -n "$k" ]; then eval "rf=\\\${RF_$k:-$k.f}"; printf '%s\\t%s\\n' "$k" "$rf" >> "$T/snext"; return 0; fi
  k0=$K
  read_file "$1"
  [ "$K" = "$k0" ] || printf '%s\\t%s\\n' "$K" "$K.f" >> "$T/snext"
}
SSEEN=
: > "$T/snext"
ss_queue "\${SSHDCFG:-/etc/ssh/sshd_config}"
level=0
while [ -s "$T/snext" ] && [ $level -lt 9 ]; do
  level=$((level + 1))
  flush_reads
  failed=$FAILED
  set --
  while IFS="$TAB" read -r k rf; do
    case $failed in *" $k "*) ;; *) set -- "$@" "$T/$rf" ;; esac
  done < "$T/snext"
  : > "$T/snext"
  [ $# -gt 0 ] || break
  awk '{
      line = $0; sub(/#.*/, "", line); sub(/^[ \\t]+/, "", line)
      n = split(line, w, /[ \\t=]+/); k = tolower(w[1])
      if (k != "include") next
      for (i = 2; i <= n; i++) if (w[i] != "") print (substr(w[i], 1, 1) == "/" ? w[i] : "/etc/ssh/" w[i])
    }' "$@" > "$T/sinc" 2>/dev/null
  while IFS= read -r inc; do
    case $inc in
      *'*'*)
        dir=\${inc%/*}; [ -n "$dir" ] || dir=/
        list_dir "$dir"
        for f in "\${dir%/}"/* "\${dir%/}"/.[!.]* "\${dir%/}"/..?*; do
          { [ -e "$f" ] || [ -L "$f" ]; } || continue
          case \${f##*/} in \${inc##*/}) ss_queue "$f" ;; esac
        done ;;
      *) ss_queue "$inc" ;;
    esac
  done < "$T/sinc"
done
`;

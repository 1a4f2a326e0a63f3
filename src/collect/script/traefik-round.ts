import { MAX_DEPTH } from '../doors/traefik-read.js';

/**
 * Traefik's round of the collection script, mirroring doors/traefik-read.ts: for each traefik in
 * the script's network namespace, its environment, then its static file where Traefik looks
 * (--configFile, /etc/traefik, XDG, ~/.config, the working directory), then the file provider's
 * file or directory (walked as Traefik walks it, MAX_DEPTH deep) named by the static files, the
 * flags or the TRAEFIK_* variables. It decides *what* to read; the collector parses.
 *
 * Finding the provider's paths is a superset made in awk: every `directory`/`filename` key of every
 * static candidate the script read (YAML or TOML, quoted or not), every --providers.file.* flag and
 * TRAEFIK_PROVIDERS_FILE_* variable. A read the collector does not ask for changes no answer; one
 * the awk misses (a YAML value on its own line) shows in `collection.missing`, never guessed.
 *
 * Root safety, as the collector: when the script is root and traefik's owner is not, every path
 * is first checked against that owner's mode bits (its fsuid, fsgid and groups; `path_owners`
 * records the real path and the owner, group and mode of each component, the collector decides
 * from the same record), and read only if the owner could; an owner that cannot be read refuses
 * every read. The reads themselves are the script's safe read (`read_file`).
 */
export const TRAEFIK_HELPERS = `
# (path_owners and owner_may, the owner's check, are door-rounds.ts RUN_DUMP's: every door's reads use them.)
tr_read() { owner_may "$1" 4 && read_file "$1"; }
# dir_entries DIR: "d" (a directory, not a link to one, as os.ReadDir says) or "-", then the name, NUL-ended. DE: ok or not.
dir_entries() {
  DE=no
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then outv dir ENOENT "$1" ''; return; fi
  if [ ! -d "$1" ]; then outv dir ENOTDIR "$1" ''; return; fi
  if [ ! -r "$1" ] || [ ! -x "$1" ]; then outv dir EACCES "$1" ''; return; fi
  new_file
  for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -L "$f" ]; then printf '%s%s\\0' - "\${f##*/}"
    elif [ -d "$f" ]; then printf '%s%s\\0' d "\${f##*/}"
    elif [ -e "$f" ]; then printf '%s%s\\0' - "\${f##*/}"; fi
  done > "$D"
  DE=ok
  end_file dir ok "$1"
}
# tr_walk DIR: its .toml/.yml/.yaml files, and its subdirectories ${MAX_DEPTH} deep, as readDynamic's walk.
tr_walk() {
  printf '0 %s\\n' "$1" > "$T/tq"
  while [ -s "$T/tq" ]; do
    mv "$T/tq" "$T/tcur"; : > "$T/tq"
    while IFS= read -r tl; do
      tdep=\${tl%% *}; tdir=\${tl#* }
      owner_may "$tdir" 5 || continue
      dir_entries "$tdir"
      [ "$DE" = ok ] || continue
      tr '\\000' '\\n' < "$D" > "$T/tent"
      while IFS= read -r te; do
        tn=\${te#?}
        case $te in
          d*) [ "$tdep" -lt ${MAX_DEPTH} ] && printf '%s %s\\n' $((tdep + 1)) "$tdir/$tn" >> "$T/tq" ;;
          *) case $tn in *.[tT][oO][mM][lL]|*.[yY][mM][lL]|*.[yY][aA][mM][lL]) tr_read "$tdir/$tn" ;; esac ;;
        esac
      done < "$T/tent"
    done < "$T/tcur"
  done
}
`;

/** The round itself, over the door processes of group INDEX (the doors' pattern). */
export const TRAEFIK_ROUND = (index: number) => `
for f in \${PIDS${index}:-}; do
  pid=\${f%/cmdline}
  eval "ns=\\\${NS_$pid:-}"
  [ "$ns" = "$OURNS" ] || continue
  argv_lines "$pid" || continue
  [ "$PROG" = traefik ] || continue
  { IFS= read -r x; IFS= read -r a1; } < "$T/a" || a1=
  case $a1 in version|healthcheck) continue ;; esac
  proc_environ "$pid"
  owner_of "$pid" || OU=
  cwd=$(readlink /proc/$pid/cwd 2>/dev/null) || cwd=
  owner_ids "$pid"
  tr '\\000' '\\n' 2>/dev/null < /proc/$pid/environ > "$T/tenv" || : > "$T/tenv"
  ehome=; exdg=
  while IFS= read -r e; do
    case $e in HOME=*) ehome=\${e#HOME=} ;; XDG_CONFIG_HOME=*) exdg=\${e#*=} ;; esac
  done < "$T/tenv"
  # --configFile values, and the file provider's paths from the flags and the TRAEFIK_* variables.
  awk -v env="$T/tenv" '
    { a[NR] = $0 }
    END {
      for (i = 2; i <= NR; i++) {
        x = a[i]; lx = tolower(x); e = index(x, "=")
        if (lx ~ /^--?configfile$/) { if (i < NR) print "c " a[i + 1]; i++; continue }
        if (lx ~ /^--?configfile=/) { print "c " substr(x, e + 1); continue }
        if (lx ~ /^--?providers\\.file\\.(directory|filename)(=|$)/) {
          k = lx ~ /^--?providers\\.file\\.directory/ ? "d " : "f "
          if (e) print k substr(x, e + 1)
          else if (i < NR && substr(a[i + 1], 1, 1) != "-") print k a[++i]
        }
      }
      while ((getline l < env) > 0) {
        if (l !~ /^TRAEFIK_/) continue
        e = index(l, "="); if (!e) continue
        n = tolower(substr(l, 9, e - 9)); gsub(/_/, ".", n)
        if (n == "providers.file.directory") print "d " substr(l, e + 1)
        if (n == "providers.file.filename") print "f " substr(l, e + 1)
      }
    }' "$T/a" > "$T/tpaths" 2>/dev/null
  : > "$T/tcand"
  while IFS= read -r l; do
    case $l in "c "*) c=\${l#c }; case $c in /*) ;; *) [ -n "$cwd" ] && c=$cwd/$c ;; esac; printf '%s\\n' "$c" >> "$T/tcand" ;; esac
  done < "$T/tpaths"
  set -- /etc/traefik/traefik
  [ -n "$exdg" ] && set -- "$@" "$exdg/traefik"
  [ -n "$ehome" ] && set -- "$@" "$ehome/.config/traefik"
  [ -n "$OHOME" ] && set -- "$@" "$OHOME/.config/traefik"
  [ -n "$cwd" ] && set -- "$@" "$cwd/traefik"
  for b; do printf '%s\\n' "$b.toml" "$b.yaml" "$b.yml" >> "$T/tcand"; done
  tkeys=
  while IFS= read -r c; do
    k0=$K
    tr_read "$c"
    [ "$K" = "$k0" ] || tkeys="$tkeys $K"
  done < "$T/tcand"
  flush_reads
  failed=$FAILED
  set --
  for k in $tkeys; do case $failed in *" $k "*) ;; *) set -- "$@" "$T/$k.f" ;; esac; done
  # Every directory/filename key of the static files read, quoted or not (YAML "key: v", TOML "key = v").
  if [ $# -gt 0 ]; then
    awk '{
      line = $0; lx = tolower(line)
      while (match(lx, /(^|[^a-z0-9_-])["\\047]?(directory|filename)["\\047]?[ \\t]*[:=][ \\t]*/)) {
        k = substr(lx, RSTART, RLENGTH) ~ /directory/ ? "d " : "f "
        line = substr(line, RSTART + RLENGTH); lx = substr(lx, RSTART + RLENGTH)
        q = substr(line, 1, 1)
        if (q == "\\"" || q == "\\047") { v = substr(line, 2); e = index(v, q); if (e) v = substr(v, 1, e - 1) }
        else { v = line; sub(/[ \\t,}#].*$/, "", v) }
        if (v != "") print k v
      }
    }' "$@" >> "$T/tpaths" 2>/dev/null
  fi
  while IFS= read -r l; do
    case $l in
      "f "*) tr_read "\${l#f }" ;;
      "d "*) d=\${l#d }; tr_walk "\${d%/}" ;;
    esac
  done < "$T/tpaths"
done
`;

/**
 * The doors' rounds of the collection script: for each forwarder running in the script's network
 * namespace, the reads doors/index.ts makes for it, found the way it finds them (its argv, its
 * working directory, its owner's home), so the unchanged collector parses the recording. These
 * decide *what* to read; the parsing stays in the collectors.
 */

/**
 * `run_dump UID GID SECONDS ARGV...`: a program's own dump command (nginx -T, caddy adapt) for a
 * process of uid UID, as doors/index.ts dumpAs runs it: as that owner (setpriv, supplementary
 * groups cleared, as Node's setuid does) when the script is root and the owner is not, so a config
 * that names /etc/shadow cannot make root print it. Recorded as "as UID:GID ARGV" then. Without
 * setpriv nothing is recorded: the collector's read shows in `collection.missing`. DUMPENV holds
 * extra NAME=VALUE words for the command's environment.
 */
/**
 * `path_owners`, shared by the OpenClaw round (every file it reads for a gateway: the collector
 * decides from the owners whether that gateway's user could read it) and the door rounds.
 */
export const PATH_OWNERS = `
# path_owners PATH: its real path, then "UID GID MODE" of / and of each component (host.ts
# PathOwners). Sets PO (ok, missing or error) and POV (the lines after the real path).
path_owners() {
  PO=error; POV=
  case $1 in *"$NL"*) outv owners error "$1" ''; return ;; esac
  if [ ! -e "$1" ]; then PO=missing; outv owners missing "$1" ''; return; fi
  if ! por=$(readlink -f "$1" 2>/dev/null) || [ -z "$por" ]; then outv owners error "$1" ''; return; fi
  pop=$1
  set -- /
  q=; rest=\${por#/}
  while [ -n "$rest" ]; do
    q="$q/\${rest%%/*}"
    case $rest in */*) rest=\${rest#*/} ;; *) rest= ;; esac
    set -- "$@" "$q"
  done
  if ! POV=$(stat -c '%u %g %f' "$@" 2>/dev/null); then outv owners error "$pop" ''; return; fi
  PO=ok
  outv owners ok "$pop" "$por$NL$POV"
}
`;

export const RUN_DUMP = `
DUMPENV=
ENVP=env
if find_prog env; then ENVP=$FOUND; fi
run_dump() {
  du=$1; dg=$2; t=$3; shift 3
  id="$*"; as=
  if [ "$ME" = 0 ] && [ "$du" != 0 ]; then
    find_prog setpriv || return 0
    as=$FOUND; id="as $du:$dg $id"
  fi
  if ! find_prog "$1"; then outv run absent "$id" ''; return; fi
  shift
  new_file
  STEP=$((STEP + 1))
  if [ -n "$as" ]; then
    bounded "$t" "$as" --reuid="$du" --regid="$dg" --clear-groups -- "$ENVP" $DUMPENV "$FOUND" "$@" > "$D" 2> "$T/$K.e" < /dev/null
  else
    bounded "$t" "$ENVP" $DUMPENV "$FOUND" "$@" > "$D" 2> "$T/$K.e" < /dev/null
  fi
  end_file run $RC "$id"
  err_record $RC "$id"
}
# owner_of PID: the real uid and gid of a process (OU, OG) and its user's home (OHOME), as proc.ts userOf.
owner_of() {
  OU=; OG=; OHOME=
  while read -r k v rest; do
    case $k in Uid:) OU=$v ;; Gid:) OG=$v; break ;; esac
  done < /proc/$1/status
  [ -n "$OU" ] || return 1
  while IFS=: read -r n x pu pg g ph sh; do [ "$pu" = "$OU" ] && { OHOME=$ph; break; }; done < /etc/passwd
  return 0
}
# owner_ids PID: who the process reads files as (its fsuid TU, its fsgid and groups TG), and TMODE:
# empty (no check: the script is not root, or the process is root's), check, or refuse (its
# /proc status could not be read: nothing is read as root for it).
owner_ids() {
  TMODE=; TU=; TG=; TGID=
  [ "$ME" = 0 ] || return 0
  TMODE=refuse
  cat /proc/$1/status > "$T/tst" 2>/dev/null || : > "$T/tst"
  while read -r k v1 v2 v3 v4 rest; do
    case $k in
      Uid:) TU=$v4 ;;
      Gid:) TGID=$v4 ;;
      Groups:) TG="$v1 $v2 $v3 $v4 $rest"; break ;;
    esac
  done < "$T/tst"
  TG="$TGID $TG"
  if [ -n "$TU" ] && [ -n "$TGID" ]; then TMODE=check; [ "$TU" = 0 ] && TMODE=; fi
}
# owner_may PATH BITS: may the process's owner (owner_ids: TU, groups TG) search every directory to
# PATH and have BITS (4 read, 5 list) on it? As doors/traefik-read.ts ownerMayRead: anything
# unexamined is a no. A path a process's argv, working directory or home names is read only so: a
# title "rinetd -c /etc/shadow" of a user's process makes root read nothing (the owners record
# lets the collector say why).
owner_may() {
  case $TMODE in '') return 0 ;; refuse) return 1 ;; esac
  path_owners "$1"
  case $PO in missing) return 0 ;; ok) ;; *) return 1 ;; esac
  twant=$2
  set -- $POV
  while [ $# -ge 3 ]; do
    tm=$(( 0x$3 ))
    if [ "$1" = "$TU" ]; then tg=$(( (tm >> 6) & 7 ))
    else case " $TG " in *" $2 "*) tg=$(( (tm >> 3) & 7 )) ;; *) tg=$(( tm & 7 )) ;; esac; fi
    shift 3
    tb=1; [ $# -ge 3 ] || tb=$twant
    [ $(( tg & tb )) -eq $tb ] || return 1
  done
  return 0
}
owner_read() { owner_may "$1" 4 && read_file "$1"; }
# (list_dir of what is not a directory records only that: no check needed)
owner_list() { if [ -d "$1" ]; then owner_may "$1" 5 || return 1; fi; list_dir "$1"; }
# argv_lines PID: the process's arguments one a line in $T/a, the first in A0, its program name in PROG.
argv_lines() {
  tr '\\000' '\\n' 2>/dev/null < /proc/$1/cmdline > "$T/a" || return 1
  IFS= read -r A0 < "$T/a" || return 1
  PROG=\${A0%%[[:space:]]*}; PROG=\${PROG##*/}
}
# abs_to DIR PATH: PATH made absolute against DIR (when DIR is known), in ABS.
abs_to() {
  case $2 in /*) ABS=$2 ;; *) if [ -n "$1" ]; then ABS=\${1%/}/$2; else ABS=$2; fi ;; esac
}
`;

/**
 * nginx's files one by one, mirroring doors/index.ts nginxFromFiles: from the main file, every
 * \`include\` (relative to the main file's directory; a glob in its last component matched in its
 * directory's listing), level by level, at most 2000 files, each once, through the safe read.
 */
const NGINX_FILES = `
ng_queue() {
  case "$NL$NSEEN$NL" in *"$NL$1$NL"*) return 0 ;; esac
  NSEEN="$NSEEN$NL$1"; ncount=$((ncount + 1))
  k0=$K
  owner_read "$1"
  [ "$K" = "$k0" ] || printf '%s\\n' "$K" >> "$T/nnext"
}
nginx_files() { # MAIN
  NSEEN=; ncount=0; nroot=\${1%/*}
  : > "$T/nnext"
  ng_queue "$1"
  while [ -s "$T/nnext" ] && [ $ncount -lt 2000 ]; do
    flush_reads
    failed=$FAILED
    set --
    while IFS= read -r k; do
      case $failed in *" $k "*) ;; *) set -- "$@" "$T/$k.f" ;; esac
    done < "$T/nnext"
    : > "$T/nnext"
    [ $# -gt 0 ] || break
    awk -v root="$nroot" '{
      line = $0; sub(/#.*/, "", line)
      while (match(line, /(^|[;{} \\t])include[ \\t]+[^;]+/)) {
        arg = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
        sub(/^.*include[ \\t]+/, "", arg); sub(/[ \\t]+$/, "", arg); gsub(/["\\047]/, "", arg)
        if (arg == "") continue
        if (substr(arg, 1, 1) != "/") arg = root "/" arg
        print arg
      }
    }' "$@" > "$T/ninc" 2>/dev/null
    while IFS= read -r inc; do
      case $inc in
        *[*?[]*)
          dir=\${inc%/*}; [ -n "$dir" ] || dir=/
          case $dir in *[*?[]*) continue ;; esac
          owner_list "$dir" || continue
          for f in "\${dir%/}"/* "\${dir%/}"/.[!.]* "\${dir%/}"/..?*; do
            { [ -e "$f" ] || [ -L "$f" ]; } || continue
            case $f in $inc) ng_queue "$f" ;; esac
          done ;;
        *) ng_queue "$inc" ;;
      esac
    done < "$T/ninc"
  done
}
`;

/**
 * Mirrors doors/index.ts readNginx and nginxArgs: for each nginx master in our namespace, its
 * -c/-p/-e from its title, then the same `nginx -T` the collector runs, as the master's owner.
 */
export const NGINX_ROUND = (index: number) => `${NGINX_FILES}
for f in \${PIDS${index}:-}; do
  pid=\${f%/cmdline}
  eval "ns=\\\${NS_$pid:-}"
  [ "$ns" = "$OURNS" ] || continue
  argv_lines "$pid" || continue
  case $A0 in
    'nginx: master process'*) ;;
    'nginx: '*) continue ;;
    *) [ "$PROG" = nginx ] || continue ;;
  esac
  owner_of "$pid" || continue
  owner_ids "$pid"
  words=
  while IFS= read -r l; do words="$words $l"; done < "$T/a"
  words=\${words# }
  case $words in 'nginx: master process'*) words=\${words#nginx: master process} ;; esac
  set -f; set -- $words; set +f
  [ $# -gt 0 ] && shift
  conf=; prefix=; elog=
  while [ $# -gt 0 ]; do
    case $1 in
      -c) conf=\${2:-}; [ $# -gt 1 ] && shift ;;
      -p) prefix=\${2:-}; [ $# -gt 1 ] && shift ;;
      -e) elog=\${2:-}; [ $# -gt 1 ] && shift ;;
    esac
    shift
  done
  main=/etc/nginx/nginx.conf
  if [ -n "$conf" ]; then
    case $conf in /*) main=$conf ;; *) if [ -n "$prefix" ]; then main=\${prefix%/}/$conf; else main=$conf; fi ;; esac
  fi
  set -- -T
  [ -n "$prefix" ] && set -- "$@" -p "$prefix"
  [ -n "$elog" ] && set -- "$@" -e "$elog"
  DUMPENV=; rc=none
  run_dump "$OU" "$OG" 10 nginx "$@" -c "$main"
  # The collector's fallback when nginx -T fails or did not run: the files, includes followed.
  if [ "$rc" = 0 ] && grep -q '^# configuration file ' "$D" 2>/dev/null; then continue; fi
  nginx_files "$main"
done
`;

/**
 * Apache's includes, mirroring doors/index.ts readApache: level by level from the main file, every
 * `Include`/`IncludeOptional` of the files read (a directory's entries, a glob's matches in its
 * directory, or the file), each file read once, through the safe read, at most 16 levels deep.
 * An awk prints the include paths of a level's files in one process.
 */
const APACHE_HELPERS = `
ap_queue() { # read PATH once; the data file of an approved read joins the next level
  case "$NL$SEEN$NL" in *"$NL$1$NL"*) return 0 ;; esac
  SEEN="$SEEN$NL$1"
  k0=$K
  owner_read "$1"
  [ "$K" = "$k0" ] || printf '%s\\n' "$K" >> "$T/next"
}
ap_include() { # one Include pattern, as readApache and readPattern take it
  P=$1; last=\${P##*/}
  lists=
  case $last in '') lists=1 ;; *.*|*'*'*|*'?'*) ;; *) lists=1 ;; esac
  if [ -n "$lists" ] && owner_list "$P"; then
    any=
    for f in "\${P%/}"/* "\${P%/}"/.[!.]* "\${P%/}"/..?*; do
      if [ -e "$f" ] || [ -L "$f" ]; then any=1; ap_queue "$f"; fi
    done
    [ -n "$any" ] && return 0
  fi
  case $P in
    *[*?[]*)
      dir=\${P%/*}; [ -n "$dir" ] || dir=/
      case $dir in *[*?[]*) return 0 ;; esac
      owner_list "$dir" || return 0
      for f in "\${dir%/}"/* "\${dir%/}"/.[!.]* "\${dir%/}"/..?*; do
        { [ -e "$f" ] || [ -L "$f" ]; } || continue
        case $f in $P) ap_queue "$f" ;; esac
      done ;;
    *) ap_queue "$P" ;;
  esac
}
apache_configs() { # MAIN SERVERROOT
  SEEN=; aroot=$2
  : > "$T/next"
  ap_queue "$1"
  level=0
  while [ -s "$T/next" ] && [ $level -lt 16 ]; do
    level=$((level + 1))
    flush_reads
    set --
    failed=$FAILED
    while IFS= read -r k; do
      case $failed in *" $k "*) ;; *) set -- "$@" "$T/$k.f" ;; esac
    done < "$T/next"
    : > "$T/next"
    [ $# -gt 0 ] || break
    awk -v root="$aroot" '{
      line = $0; sub(/^[ \\t]+/, "", line)
      n = split(line, w, /[ \\t]+/); k = tolower(w[1])
      if (k != "include" && k != "includeoptional") next
      rest = substr(line, length(w[1]) + 1); sub(/^[ \\t]+/, "", rest)
      if (substr(rest, 1, 1) == "\\"") { p = substr(rest, 2); sub(/".*$/, "", p) } else p = w[2]
      if (p == "") next
      if (substr(p, 1, 1) != "/") p = root "/" p
      print p
    }' "$@" > "$T/inc" 2>/dev/null
    while IFS= read -r inc; do ap_include "$inc"; done < "$T/inc"
  done
}
`;

/**
 * Mirrors doors/index.ts for Caddy, HAProxy, Apache, rinetd and the tunnels (cloudflared, ngrok, frpc):
 * their config files from each process's argv, working directory and owner's home, read through
 * the safe read and only where the process's owner could read them (owner_may; a process of any
 * user names them); Caddy's `caddy adapt` as the process's owner. A tunnel's candidates are all read
 * (the collector takes the first that exists): reading one more file changes no answer.
 */
export const DOOR_CONFIG_ROUND = (index: number) => `${APACHE_HELPERS}
for f in \${PIDS${index}:-}; do
  pid=\${f%/cmdline}
  eval "ns=\\\${NS_$pid:-}"
  [ "$ns" = "$OURNS" ] || continue
  argv_lines "$pid" || continue
  case $PROG in caddy|haproxy|apache2|httpd|rinetd|cloudflared|ngrok|frpc) ;; *) continue ;; esac
  owner_of "$pid" || continue
  owner_ids "$pid"
  cwd=$(readlink /proc/$pid/cwd 2>/dev/null) || cwd=
  set -f; oldifs=$IFS; IFS=$NL; set -- $(cat "$T/a"); IFS=$oldifs; set +f
  case $PROG in
    caddy)
      case \${2:-} in run|start) ;; *) continue ;; esac
      shift 2
      conf=; adapter=; resume=
      while [ $# -gt 0 ]; do
        case $1 in
          --config=*|-config=*) conf=\${1#*=} ;;
          --config|-config) conf=\${2:-}; [ $# -gt 1 ] && shift ;;
          --adapter=*|-adapter=*) adapter=\${1#*=} ;;
          --adapter|-adapter) adapter=\${2:-}; [ $# -gt 1 ] && shift ;;
          --resume) resume=1 ;;
        esac
        shift
      done
      [ -z "$resume" ] || continue
      if [ -n "$conf" ]; then abs_to "$cwd" "$conf"; conf=$ABS
      elif [ -n "$cwd" ]; then conf=\${cwd%/}/Caddyfile; adapter=\${adapter:-caddyfile}
      else continue; fi
      owner_read "$conf"
      case $adapter in json) continue ;; '') case $conf in *.json) continue ;; esac ;; esac
      [ -e "$conf" ] || continue
      DUMPENV='HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent XDG_DATA_HOME=/nonexistent'
      run_dump "$OU" "$OG" 10 caddy adapt --config "$conf" --adapter "\${adapter:-caddyfile}"
      DUMPENV= ;;
    haproxy)
      shift
      paths=
      while [ $# -gt 0 ]; do
        case $1 in
          -f) [ $# -gt 1 ] && { [ -z "$2" ] || paths="$paths$NL$2"; shift; } ;;
          -f?*) paths="$paths$NL\${1#-f}" ;;
        esac
        shift
      done
      [ -n "$paths" ] || paths=/etc/haproxy/haproxy.cfg
      printf '%s\\n' "$paths" > "$T/hp"
      while IFS= read -r p; do
        [ -n "$p" ] || continue
        owner_read "$p"
        owner_list "$p" || continue
        if [ -d "$p" ]; then for c in "\${p%/}"/*.cfg; do [ -e "$c" ] && owner_read "$c"; done; fi
      done < "$T/hp" ;;
    apache2|httpd)
      shift
      conf=; root=
      while [ $# -gt 0 ]; do
        case $1 in
          -f) conf=\${2:-}; [ $# -gt 1 ] && shift ;;
          -d) root=\${2:-}; [ $# -gt 1 ] && shift ;;
        esac
        shift
      done
      case $A0 in *apache2) root=\${root:-/etc/apache2}; conf=\${conf:-apache2.conf} ;; *) root=\${root:-/etc/httpd}; conf=\${conf:-conf/httpd.conf} ;; esac
      case $conf in /*) ;; *) conf=$root/$conf ;; esac
      apache_configs "$conf" "$root" ;;
    rinetd)
      shift
      conf=/etc/rinetd.conf
      while [ $# -gt 0 ]; do
        case $1 in -c|--conf-file) conf=\${2:-/etc/rinetd.conf}; break ;; esac
        shift
      done
      owner_read "$conf" ;;
    cloudflared)
      conf=; prev=
      for a; do
        [ -z "$conf" ] || break
        case $a in --config=*) conf=\${a#--config=} ;; esac
        [ "$prev" = --config ] && conf=$a
        prev=$a
      done
      if [ -n "$conf" ]; then owner_read "$conf"; continue; fi
      set --
      [ -n "$OHOME" ] && set -- "$OHOME/.cloudflared" "$OHOME/.cloudflare-warp" "$OHOME/cloudflare-warp"
      for d in "$@" /etc/cloudflared /usr/local/etc/cloudflared; do owner_read "$d/config.yml"; owner_read "$d/config.yaml"; done ;;
    ngrok)
      confs=; prev=
      for a; do
        case $a in --config=*) confs="$confs,\${a#--config=}" ;; esac
        [ "$prev" = --config ] && confs="$confs,$a"
        prev=$a
      done
      if [ -z "$confs" ] && [ -n "$OHOME" ]; then confs="$OHOME/.config/ngrok/ngrok.yml,$OHOME/.ngrok2/ngrok.yml"; fi
      oldifs=$IFS; IFS=,; set -f; set -- $confs; set +f; IFS=$oldifs
      for c; do [ -n "$c" ] && owner_read "$c"; done ;;
    frpc)
      shift
      conf=; found=
      while [ $# -gt 0 ] && [ -z "$found" ]; do
        case $1 in
          -c|--config) conf=\${2:-}; found=1 ;;
          --config=*) conf=\${1#--config=}; found=1 ;;
          -c=*) conf=\${1#-c=}; found=1 ;;
        esac
        shift
      done
      [ -n "$found" ] || conf=frpc.ini
      abs_to "$cwd" "$conf"
      owner_read "$ABS" ;;
  esac
done
`;

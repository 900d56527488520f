# bash completion for berth(1) and berth-oci(1)      -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Completes the commands and `berth oci` verbs, their options and option
# values, and names: system containers from `berth ls -P LXCPATH` (the -P of
# the command line, else /var/lib/berth), OCI containers from
# `berth oci --root ROOT list -q`, bridges from LXCPATH/.net. Needs nothing
# from the bash-completion package. bash splits words at '=' and ':', so
# `--lxcpath=DIR` arrives as three words and `dir:PATH` as three.

_berth_commands="create destroy start stop restart attach console ls info freeze unfreeze
        wait cgroup config execute autostart net check-config"
_berth_oci_verbs="create start run state kill delete list pause resume exec ps update events
        spec features"
_berth_states="STOPPED STARTING RUNNING STOPPING FROZEN"
_berth_config_keys="lxc.uts.name lxc.rootfs.path lxc.include lxc.arch lxc.log.level
        lxc.init.cmd lxc.init.uid lxc.init.gid lxc.init.cwd lxc.environment lxc.start.auto
        lxc.start.delay lxc.start.order lxc.group lxc.signal.halt lxc.signal.stop
        lxc.signal.reboot lxc.console.path lxc.console.logfile lxc.tty.max lxc.pty.max
        lxc.mount.entry lxc.mount.auto lxc.mount.fstab lxc.autodev lxc.cgroup. lxc.cgroup2.
        lxc.prlimit. lxc.sysctl. lxc.cap.drop lxc.cap.keep lxc.idmap lxc.apparmor.profile
        lxc.selinux.context lxc.seccomp.profile lxc.no_new_privs lxc.hook.
        lxc.net.0.type lxc.net.0.link lxc.net.0.flags lxc.net.0.hwaddr lxc.net.0.name
        lxc.net.0.mtu lxc.net.0.ipv4.address lxc.net.0.ipv4.gateway lxc.net.0.ipv6.address
        lxc.net.0.ipv6.gateway lxc.net.0.veth.pair lxc.net.0.macvlan.mode
        lxc.net.0.berth.publish"
_berth_cgroup_keys="memory.limit_in_bytes memory.max memory.usage_in_bytes memory.current
        pids.max pids.current cpuset.cpus cpuset.mems cpu.shares cpu.max cpu.weight
        freezer.state cgroup.freeze"

# COMPREPLY from a word list, the files, or the directories matching cur.
_berth_words() { mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur"); }
_berth_files() { compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); }
_berth_dirs() { compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur"); }

# The program as typed (~ expanded), to ask it for names.
_berth_bin() {
        local b=${COMP_WORDS[0]}
        [[ $b == "~"* ]] && b=$HOME${b#\~}
        printf '%s\n' "$b"
}

# The value of option $1 or $2 anywhere on the line ("-P DIR", "-PDIR",
# "--lxcpath DIR", "--lxcpath=DIR"), else $3.
_berth_opt_value() {
        local i w v=$3
        for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
                ((i == COMP_CWORD)) && continue
                w=${COMP_WORDS[i]}
                if [[ $w == "$1" || $w == "$2" ]]; then
                        if [[ ${COMP_WORDS[i + 1]-} == = ]]; then
                                v=${COMP_WORDS[i + 2]-}
                        else
                                v=${COMP_WORDS[i + 1]-}
                        fi
                elif [[ -n $1 && $1 != --* && $w == "$1"?* ]]; then
                        v=${w#"$1"}
                fi
        done
        [[ $v == "~"* ]] && v=$HOME${v#\~}
        printf '%s\n' "$v"
}

_berth_lxcpath() { _berth_opt_value -P --lxcpath /var/lib/berth; }

_berth_containers() {
        "$(_berth_bin)" ls -P "$(_berth_lxcpath)" 2>/dev/null
}

_berth_bridges() {
        local f
        for f in "$(_berth_lxcpath)"/.net/*.json; do
                [[ -e $f ]] || continue
                f=${f##*/}
                printf '%s\n' "${f%.json}"
        done
}

# The option that takes the word being completed as its value, if any:
# the previous word, or the one before an '='.
_berth_value_of() {
        local p=${COMP_WORDS[COMP_CWORD - 1]}
        [[ $p == = ]] && p=${COMP_WORDS[COMP_CWORD - 2]-}
        [[ " $1 " == *" $p "* ]] && printf '%s\n' "$p"
}

# How many positional words lie between index $1 and the word being
# completed, skipping options and their values ($2: those taking one).
# Fails after "--": what follows is a command line of its own.
_berth_npos() {
        local i=$1 w n=0
        while ((i < COMP_CWORD)); do
                w=${COMP_WORDS[i]}
                if [[ $w == -- ]]; then
                        return 1
                elif [[ " $2 " == *" $w "* ]]; then
                        [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
                        ((i += 2))
                        continue
                elif [[ $w == -* || $w == = ]]; then
                        :
                else
                        ((n++))
                fi
                ((i++))
        done
        printf '%s\n' "$n"
}

# ---- the manager commands

_berth_mgr_argopts() {
        local common="-n --name -P --lxcpath"
        case $1 in
        create) echo "-t --template -f --config $common" ;;
        start | execute) echo "-f --rcfile $common" ;;
        stop | restart) echo "-t --timeout $common" ;;
        attach) echo "-v --set-var -u --uid --cwd $common" ;;
        console) echo "-t --tty -e --escape $common" ;;
        info) echo "--format $common" ;;
        wait) echo "-t --timeout -s --state $common" ;;
        ls) echo "--format -P --lxcpath" ;;
        autostart) echo "-t --timeout -g --groups -P --lxcpath" ;;
        check-config) echo "-c --config --format" ;;
        *) echo "$common" ;;
        esac
}

_berth_mgr_flags() {
        case $1 in
        destroy) echo "-f --force" ;;
        start) echo "-d --daemon -F --foreground" ;;
        stop | restart) echo "-k --kill" ;;
        attach) echo "--clear-env --keep-env" ;;
        ls) echo "-f --fancy --running --stopped --frozen" ;;
        autostart) echo "-L --list -s --stop --shutdown -k --kill -a --all" ;;
        esac
        echo "-h --help"
}

_berth_manager() {
        local cmd=$1 first=$2 argopts opt n
        argopts=$(_berth_mgr_argopts "$cmd")
        opt=$(_berth_value_of "$argopts")
        if [[ -n $opt ]]; then
                case $cmd:$opt in
                *:-P | *:--lxcpath) _berth_dirs ;;
                *:-n | *:--name) _berth_words "$(_berth_containers)" ;;
                create:-t | create:--template)
                        local p=${COMP_WORDS[COMP_CWORD - 1]}
                        if [[ $p == : ]]; then
                                _berth_files
                        else
                                compopt -o nospace 2>/dev/null
                                _berth_words "busybox debian dir: oci:"
                                [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} != *: ]] &&
                                        compopt +o nospace 2>/dev/null
                        fi
                        ;;
                *:-f | *:--config | *:--rcfile | *:-c) _berth_files ;;
                info:--format | check-config:--format) _berth_words "text json" ;;
                *:--format) _berth_words "table json" ;;
                *:-s | *:--state) _berth_words "$_berth_states" ;;
                console:-t | console:--tty) _berth_words "0 1 2 3 4" ;;
                *:-g | *:--groups) _berth_words "onboot" ;;
                esac
                return
        fi
        # dir:PATH and oci:PATH after -t
        if [[ $cmd == create && ${COMP_WORDS[COMP_CWORD - 1]} == : ]]; then
                _berth_files
                return
        fi
        if [[ $cur == -* ]]; then
                _berth_words "$argopts $(_berth_mgr_flags "$cmd")"
                return
        fi
        n=$(_berth_npos "$first" "$argopts") || return
        # -n NAME takes the place of the first positional word
        [[ -n $(_berth_opt_value -n --name "") ]] && ((n++))
        case $cmd:$n in
        create:* | ls:* | autostart:* | check-config:*) ;;
        *:0) _berth_words "$(_berth_containers)" ;;
        wait:1) _berth_words "$_berth_states" ;;
        config:1) compopt -o nospace 2>/dev/null; _berth_words "$_berth_config_keys"
                [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} != *. ]] && compopt +o nospace 2>/dev/null ;;
        cgroup:1) _berth_words "$_berth_cgroup_keys" ;;
        esac
}

_berth_net() {
        local first=$1 i sub= argopts opt
        for ((i = first; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in
                -P | --lxcpath)
                        [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
                        ((i++))
                        ;;
                -*) ;;
                *) sub=${COMP_WORDS[i]}; break ;;
                esac
        done
        if [[ -z $sub ]]; then
                if [[ -n $(_berth_value_of "-P --lxcpath") ]]; then
                        _berth_dirs
                elif [[ $cur == -* ]]; then
                        _berth_words "-P --lxcpath -h --help"
                else
                        _berth_words "create ls delete"
                fi
                return
        fi
        case $sub in
        create) argopts="--ipv4 --ipv6 -P --lxcpath" ;;
        ls) argopts="--format -P --lxcpath" ;;
        *) argopts="-P --lxcpath" ;;
        esac
        opt=$(_berth_value_of "$argopts")
        case $opt in
        -P | --lxcpath) _berth_dirs; return ;;
        --format) _berth_words "table json"; return ;;
        ?*) return ;;
        esac
        if [[ $cur == -* ]]; then
                local flags="-h --help"
                [[ $sub == create ]] && flags+=" --nat"
                _berth_words "$argopts $flags"
                return
        fi
        [[ $sub == delete && $(_berth_npos $((i + 1)) "$argopts") == 0 ]] &&
                _berth_words "$(_berth_bridges)"
}

# ---- berth oci

_berth_oci_argopts() {
        case $1 in
        create | run) echo "-b --bundle --console-socket --pid-file --preserve-fds" ;;
        exec) echo "-p --process --console-socket --cwd -e --env -u --user -g --additional-gids
                    -c --cap --pid-file --preserve-fds" ;;
        list | ps) echo "-f --format" ;;
        update) echo "-r --resources --memory --memory-reservation --memory-swap --cpu-quota
                      --cpu-period --cpu-share --cpuset-cpus --cpuset-mems --pids-limit
                      --blkio-weight" ;;
        events) echo "--interval" ;;
        spec) echo "-b --bundle" ;;
        esac
}

_berth_oci_flags() {
        case $1 in
        create) echo "--no-pivot --no-new-keyring --no-subreaper" ;;
        run) echo "--no-pivot --no-new-keyring --no-subreaper -d --detach --keep" ;;
        kill) echo "-a --all" ;;
        delete) echo "-f --force" ;;
        list) echo "-q --quiet" ;;
        exec) echo "-t --tty --no-new-privs -d --detach" ;;
        events) echo "--stats" ;;
        spec) echo "--rootless" ;;
        esac
        echo "-h --help"
}

# The ids of the root given on the line (berth oci [--root R] list -q).
_berth_oci_ids() {
        local b root args=()
        b=$(_berth_bin)
        [[ ${b##*/} == berth-oci ]] || args=(oci)
        root=$(_berth_opt_value --root --root "")
        [[ -n $root ]] && args+=(--root "$root")
        "$b" "${args[@]}" list -q 2>/dev/null
}

_berth_oci() {
        local i=$1 verb= globals="--root --log --log-format --rootless --criu" argopts opt n
        while ((i < COMP_CWORD)); do
                case ${COMP_WORDS[i]} in
                --root | --log | --log-format | --rootless | --criu)
                        [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
                        ((i += 2))
                        continue
                        ;;
                -*) ;;
                *) verb=${COMP_WORDS[i]}; break ;;
                esac
                ((i++))
        done
        if [[ -z $verb ]]; then
                case $(_berth_value_of "$globals") in
                --root) _berth_dirs ;;
                --log | --criu) _berth_files ;;
                --log-format) _berth_words "text json" ;;
                --rootless) _berth_words "true false auto" ;;
                *)
                        if [[ $cur == -* ]]; then
                                _berth_words "$globals --debug --systemd-cgroup --version --help"
                        else
                                _berth_words "$_berth_oci_verbs"
                        fi
                        ;;
                esac
                return
        fi
        argopts=$(_berth_oci_argopts "$verb")
        opt=$(_berth_value_of "$argopts")
        if [[ -n $opt ]]; then
                case $opt in
                -b | --bundle) _berth_dirs ;;
                --console-socket | --pid-file | -p | --process | -r | --resources) _berth_files ;;
                -f | --format) _berth_words "table json" ;;
                -c | --cap)
                        _berth_words "CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER
                                CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP
                                CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW
                                CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO
                                CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN
                                CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME
                                CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE
                                CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN
                                CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
                                CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE" ;;
                esac
                return
        fi
        if [[ $cur == -* ]]; then
                _berth_words "$argopts $(_berth_oci_flags "$verb")"
                return
        fi
        n=$(_berth_npos $((i + 1)) "$argopts") || return
        case $verb:$n in
        create:* | run:* | list:* | spec:* | features:*) ;;
        *:0) _berth_words "$(_berth_oci_ids)" ;;
        kill:1)
                _berth_words "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM
                        TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF
                        WINCH IO PWR SYS"
                ;;
        esac
}

_berth() {
        local cur=${COMP_WORDS[COMP_CWORD]} i cmd=
        COMPREPLY=()
        [[ $cur == = || $cur == : ]] && cur=
        if [[ ${COMP_WORDS[0]##*/} == berth-oci ]]; then
                _berth_oci 1
                return 0
        fi
        for ((i = 1; i < COMP_CWORD; i++)); do
                [[ ${COMP_WORDS[i]} == -* ]] || { cmd=${COMP_WORDS[i]}; break; }
        done
        case $cmd in
        "") _berth_words "oci $_berth_commands --version --help" ;;
        oci) _berth_oci $((i + 1)) ;;
        net) _berth_net $((i + 1)) ;;
        *) _berth_manager "$cmd" $((i + 1)) ;;
        esac
        return 0
}

complete -F _berth berth berth-oci

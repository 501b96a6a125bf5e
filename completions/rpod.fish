# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rpod_global_optspecs
    string join \n log-level= root= runroot= v/version h/help
end

function __fish_rpod_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rpod_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rpod_using_subcommand
    set -l cmd (__fish_rpod_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rpod -n "__fish_rpod_needs_command" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_needs_command" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_needs_command" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_needs_command" -s v -l version -d 'Print the version and exit'
complete -c rpod -n "__fish_rpod_needs_command" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "info" -d 'Display rpod related system information'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "run" -d 'Run a command in a new container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "unshare" -d 'Run a command in a modified user namespace'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "version" -d 'Display the rpod version information'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand info" -s f -l format -d 'Output format: `json`, or a Go-template style string such as `{{.Host.Kernel}}`' -r
complete -c rpod -n "__fish_rpod_using_subcommand info" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand info" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand info" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand info" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l name -d 'Name of the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l entrypoint -d 'Override the image\'s entrypoint: a command, or a JSON array such as \'["sh","-c"]\'' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s h -l hostname -d 'Hostname inside the container (default: the container id\'s first 12 digits)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s v -l volume -d 'Bind a host path: HOST-PATH:CONTAINER-PATH[:ro|rw|z|Z]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l mount -d 'Attach a mount: type=bind,source=PATH,destination=PATH[,ro] or type=tmpfs,destination=PATH[,tmpfs-size=N][,tmpfs-mode=M]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l tmpfs -d 'Mount a fresh tmpfs: CONTAINER-PATH[:OPTIONS] (default options rw,noexec,nosuid,nodev)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l network -d 'Network: none (a private namespace with only lo; the default until the private network is available) or host (the host\'s network)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l pull -d 'When to pull the image' -r -f -a "missing\t'Pull only when the image is not in the store'
always\t'Always pull'
never\t'Never pull; fail when the image is not in the store'
newer\t'Pull when the registry has a newer image'"
complete -c rpod -n "__fish_rpod_using_subcommand run" -l rootfs -d 'Run an exploded root filesystem from DIR instead of an image' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l cap-add -d 'Add a capability (e.g. NET_ADMIN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l security-opt -d 'Security options: no-new-privileges[=true|false]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1 or unlimited for no limit)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l rm -d 'Remove the container when it exits'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c rpod -n "__fish_rpod_using_subcommand run" -s i -l interactive -d 'Keep stdin open and connect it to the container'
complete -c rpod -n "__fish_rpod_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-terminal for the container'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand version" -s f -l format -d 'Output format: `json`, or a Go-template style string such as `{{.Version}}`' -r
complete -c rpod -n "__fish_rpod_using_subcommand version" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand version" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand version" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand version" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run unshare version help" -f -a "info" -d 'Display rpod related system information'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run unshare version help" -f -a "run" -d 'Run a command in a new container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run unshare version help" -f -a "unshare" -d 'Run a command in a modified user namespace'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run unshare version help" -f -a "version" -d 'Display the rpod version information'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run unshare version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

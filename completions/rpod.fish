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
complete -c rpod -n "__fish_rpod_needs_command" -f -a "unshare" -d 'Run a command in a modified user namespace'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "version" -d 'Display the rpod version information'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand info" -s f -l format -d 'Output format: `json`, or a Go-template style string such as `{{.Host.Kernel}}`' -r
complete -c rpod -n "__fish_rpod_using_subcommand info" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand info" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand info" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand info" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand version" -s f -l format -d 'Output format: `json`, or a Go-template style string such as `{{.Version}}`' -r
complete -c rpod -n "__fish_rpod_using_subcommand version" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand version" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand version" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand version" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info unshare version help" -f -a "info" -d 'Display rpod related system information'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info unshare version help" -f -a "unshare" -d 'Run a command in a modified user namespace'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info unshare version help" -f -a "version" -d 'Display the rpod version information'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info unshare version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

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
complete -c rpod -n "__fish_rpod_needs_command" -f -a "build" -d 'Build an image using instructions from Containerfiles'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "exec" -d 'Run a process in a running container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "attach" -d 'Attach to a running container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "container" -d 'Manage containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "create" -d 'Create but do not start a container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "inspect" -d 'Display the configuration of containers or images'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "kill" -d 'Kill one or more running containers with a specific signal'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "login" -d 'Log in to a container registry'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "logout" -d 'Log out of a container registry'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "logs" -d 'Fetch the logs of one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "pause" -d 'Pause all the processes in one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "ps" -d 'List containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "rename" -d 'Rename an existing container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "restart" -d 'Restart one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "rm" -d 'Remove one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "start" -d 'Start one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "stats" -d 'Display a live stream of container resource usage statistics'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "stop" -d 'Stop one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "generate" -d 'Generate structured data based on containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "top" -d 'Display the running processes of a container'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "unpause" -d 'Unpause the processes in one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "wait" -d 'Block on one or more containers'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "unshare" -d 'Run a command in a modified user namespace'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "history" -d 'Show history of a specified image'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "image" -d 'Manage images'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "images" -d 'List images in local storage'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "import" -d 'Import a tarball to create a filesystem image'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "load" -d 'Load image(s) from a tar archive'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "pull" -d 'Pull an image from a registry'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "push" -d 'Push an image to a specified destination'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "rmi" -d 'Remove one or more images from local storage'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "save" -d 'Save image(s) to an archive'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "tag" -d 'Add an additional name to a local image'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "untag" -d 'Remove a name from a local image'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "version" -d 'Display the rpod version information'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c rpod -n "__fish_rpod_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand info" -s f -l format -d 'Output format: `json`, or a Go-template style string such as `{{.Host.Kernel}}`' -r
complete -c rpod -n "__fish_rpod_using_subcommand info" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand info" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand info" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand info" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l name -d 'Name of the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l cidfile -d 'Write the container\'s ID to FILE (refused if FILE exists)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l sdnotify -d 'Who notifies systemd that the container is ready, when NOTIFY_SOCKET is set' -r -f -a "container\t'The container\'s command notifies; the socket is bound into it'
conmon\t'The monitor notifies once the command has started'
ignore\t'Nobody notifies'"
complete -c rpod -n "__fish_rpod_using_subcommand run" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l entrypoint -d 'Override the image\'s entrypoint: a command, or a JSON array such as \'["sh","-c"]\'' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s h -l hostname -d 'Hostname inside the container (default: the container id\'s first 12 digits)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s v -l volume -d 'Bind a host path or mount a volume: HOST-PATH:CONTAINER-PATH[:ro|rw|z|Z], NAME:CONTAINER-PATH[:ro|rw|U|copy|nocopy] (a named volume, created on first use and filled with the image\'s content there), or CONTAINER-PATH (an anonymous volume)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l mount -d 'Attach a mount: type=bind,source=PATH,destination=PATH[,ro], type=volume[,source=NAME],destination=PATH[,ro][,U][,volume-nocopy] or type=tmpfs,destination=PATH[,tmpfs-size=N][,tmpfs-mode=M]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l tmpfs -d 'Mount a fresh tmpfs: CONTAINER-PATH[:OPTIONS] (default options rw,noexec,nosuid,nodev)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l network -l net -d 'Network: private (default; aliases slirp4netns[:allow_host_loopback=true,mtu=N], pasta), none (only lo) or host (the host\'s network)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s p -l publish -d 'Publish a container\'s port to the host: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l dns -d 'DNS server for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l dns-search -d 'DNS search domain for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l dns-option -d 'DNS option for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l add-host -d 'Add a line to /etc/hosts: HOST:IP (HOST may list aliases separated by \';\')' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l pull -d 'When to pull the image' -r -f -a "missing\t'Pull only when the image is not in the store'
always\t'Always pull'
never\t'Never pull; fail when the image is not in the store'
newer\t'Pull when the registry has a newer image'"
complete -c rpod -n "__fish_rpod_using_subcommand run" -l rootfs -d 'Run an exploded root filesystem from DIR instead of an image' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l cap-add -d 'Add a capability (e.g. NET_ADMIN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l security-opt -d 'Security options: no-new-privileges[=true|false]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1 or unlimited for no limit)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s m -l memory -d 'Memory limit: a number with an optional unit b, k, m or g (e.g. 512m)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l memory-swap -d 'Memory plus swap limit, as --memory; -1 for unlimited swap (default: twice --memory)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l cpus -d 'Number of CPUs the container may use (e.g. 1.5)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s c -l cpu-shares -d 'CPU shares: the container\'s relative weight (2 to 262144; default 1024)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l pids-limit -d 'Limit on the number of processes in the container (-1 or 0: unlimited)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l restart -d 'Restart policy while the container lives: no, on-failure[:MAX], always, unless-stopped' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l log-driver -d 'Logging driver: k8s-file (default) or none' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l log-opt -d 'Logging option: max-size=SIZE (the log is truncated when it would grow past SIZE)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -s l -l label -d 'Set a label on the container: KEY[=VALUE]' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l stop-signal -d 'Signal to stop the container with (default: the image\'s, else SIGTERM)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l stop-timeout -d 'Seconds to wait for the stop signal before SIGKILL' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand run" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand run" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand run" -s d -l detach -d 'Run the container in the background and print its ID'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l rm -d 'Remove the container when it exits'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l replace -d 'Remove an existing container of the same --name first (as `rm -f`)'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c rpod -n "__fish_rpod_using_subcommand run" -s i -l interactive -d 'Keep stdin open and connect it to the container'
complete -c rpod -n "__fish_rpod_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-terminal for the container'
complete -c rpod -n "__fish_rpod_using_subcommand run" -s P -l publish-all -d 'Publish all the image\'s exposed ports to random host ports'
complete -c rpod -n "__fish_rpod_using_subcommand run" -s q -l quiet -d 'Suppress output information when pulling images'
complete -c rpod -n "__fish_rpod_using_subcommand run" -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand build" -s t -l tag -d 'Name of the resulting image (may be given several times)' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -s f -l file -d 'The Containerfile to build (`-` reads it from standard input)' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l build-arg -d 'A build-time variable: NAME=VALUE, or NAME to take the value from the environment' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l target -d 'Build up to this stage (its name or index) and make it the image' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l label -d 'Add a label to the image (KEY=VALUE)' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l pull -d 'Pull base images: always, missing, never (`--pull` alone: always)' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l layers -d 'Cache intermediate steps (`--layers=false` disables the cache)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand build" -l iidfile -d 'Write the image id to this file' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand build" -l compression-format -d 'Compression of new layers' -r -f -a "gzip\t''
zstd\t''"
complete -c rpod -n "__fish_rpod_using_subcommand build" -l network -d 'Network of RUN steps: private, none or host' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l ignorefile -d 'Ignore file to use instead of .containerignore/.dockerignore in the context' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand build" -l http-proxy -d 'Pass the host\'s proxy variables (HTTP_PROXY, …) to RUN steps' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand build" -l format -d 'Format of the image manifest: oci or docker' -r -f -a "oci\t''
docker\t''"
complete -c rpod -n "__fish_rpod_using_subcommand build" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand build" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand build" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand build" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand build" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand build" -l no-cache -d 'Do not use cached steps'
complete -c rpod -n "__fish_rpod_using_subcommand build" -s q -l quiet -d 'Print only the image id'
complete -c rpod -n "__fish_rpod_using_subcommand build" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s m -l message -d 'Set the commit message (the history comment)' -r
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s a -l author -d 'Set the author of the image' -r
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s f -l format -d 'Format of the image manifest: oci or docker' -r -f -a "oci\t''
docker\t''"
complete -c rpod -n "__fish_rpod_using_subcommand commit" -l compression-format -d 'Compression of the new layer' -r -f -a "gzip\t''
zstd\t''"
complete -c rpod -n "__fish_rpod_using_subcommand commit" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand commit" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand commit" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s p -l pause -d 'Pause the container while committing'
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand commit" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand exec" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid (default: the container\'s)' -r
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s w -l workdir -d 'Working directory inside the container (default: the container\'s)' -r
complete -c rpod -n "__fish_rpod_using_subcommand exec" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand exec" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand exec" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s d -l detach -d 'Run the process in the background; it ends with the container at the latest'
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s i -l interactive -d 'Keep stdin open and connect it to the process'
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s t -l tty -d 'Allocate a pseudo-terminal for the process'
complete -c rpod -n "__fish_rpod_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand attach" -l detach-keys -d 'Select the key sequence for detaching a container: a single character or ctrl-<value> (a-z, @, [, \\, ], ^, _), comma separated; empty turns it off' -r
complete -c rpod -n "__fish_rpod_using_subcommand attach" -l sig-proxy -d 'Proxy received signals to the container\'s process' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand attach" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand attach" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand attach" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand attach" -l no-stdin -d 'Do not attach stdin'
complete -c rpod -n "__fish_rpod_using_subcommand attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "attach" -d 'Attach to a running container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "create" -d 'Create but do not start a container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "exec" -d 'Run a process in a running container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "exists" -d 'Check if a container exists in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "inspect" -d 'Display the configuration of a container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "kill" -d 'Kill one or more running containers with a specific signal'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "list" -d 'List containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "ls" -d 'List containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "ps" -d 'List containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "logs" -d 'Fetch the logs of one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "pause" -d 'Pause all the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "prune" -d 'Remove all non running containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "rename" -d 'Rename an existing container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "restart" -d 'Restart one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "rm" -d 'Remove one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "run" -d 'Run a command in a new container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "start" -d 'Start one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "stats" -d 'Display a live stream of container resource usage statistics'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "stop" -d 'Stop one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "top" -d 'Display the running processes of a container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "unpause" -d 'Unpause the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "wait" -d 'Block on one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and not __fish_seen_subcommand_from attach cp create exec exists inspect kill list ls ps logs pause port prune rename restart rm run start stats stop top unpause wait help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -l detach-keys -d 'Select the key sequence for detaching a container: a single character or ctrl-<value> (a-z, @, [, \\, ], ^, _), comma separated; empty turns it off' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Proxy received signals to the container\'s process' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not attach stdin'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from cp" -s a -l archive -d 'Give files copied into the container to its user and group; with --archive=false keep the owners of the source (as seen in the user namespace)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from cp" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from cp" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from cp" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from cp" -l overwrite -d 'Allow directories to be replaced by non-directories and the other way round'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Name of the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l cidfile -d 'Write the container\'s ID to FILE (refused if FILE exists)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l sdnotify -d 'Who notifies systemd that the container is ready, when NOTIFY_SOCKET is set' -r -f -a "container\t'The container\'s command notifies; the socket is bound into it'
conmon\t'The monitor notifies once the command has started'
ignore\t'Nobody notifies'"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Override the image\'s entrypoint: a command, or a JSON array such as \'["sh","-c"]\'' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l hostname -d 'Hostname inside the container (default: the container id\'s first 12 digits)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Bind a host path or mount a volume: HOST-PATH:CONTAINER-PATH[:ro|rw|z|Z], NAME:CONTAINER-PATH[:ro|rw|U|copy|nocopy] (a named volume, created on first use and filled with the image\'s content there), or CONTAINER-PATH (an anonymous volume)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Attach a mount: type=bind,source=PATH,destination=PATH[,ro], type=volume[,source=NAME],destination=PATH[,ro][,U][,volume-nocopy] or type=tmpfs,destination=PATH[,tmpfs-size=N][,tmpfs-mode=M]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a fresh tmpfs: CONTAINER-PATH[:OPTIONS] (default options rw,noexec,nosuid,nodev)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l network -l net -d 'Network: private (default; aliases slirp4netns[:allow_host_loopback=true,mtu=N], pasta), none (only lo) or host (the host\'s network)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a container\'s port to the host: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l dns -d 'DNS server for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-search -d 'DNS search domain for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-option -d 'DNS option for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l add-host -d 'Add a line to /etc/hosts: HOST:IP (HOST may list aliases separated by \';\')' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'When to pull the image' -r -f -a "missing\t'Pull only when the image is not in the store'
always\t'Always pull'
never\t'Never pull; fail when the image is not in the store'
newer\t'Pull when the registry has a newer image'"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l rootfs -d 'Run an exploded root filesystem from DIR instead of an image' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add a capability (e.g. NET_ADMIN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'Security options: no-new-privileges[=true|false]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1 or unlimited for no limit)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s m -l memory -d 'Memory limit: a number with an optional unit b, k, m or g (e.g. 512m)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-swap -d 'Memory plus swap limit, as --memory; -1 for unlimited swap (default: twice --memory)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l cpus -d 'Number of CPUs the container may use (e.g. 1.5)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s c -l cpu-shares -d 'CPU shares: the container\'s relative weight (2 to 262144; default 1024)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l pids-limit -d 'Limit on the number of processes in the container (-1 or 0: unlimited)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy while the container lives: no, on-failure[:MAX], always, unless-stopped' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l log-driver -d 'Logging driver: k8s-file (default) or none' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'Logging option: max-size=SIZE (the log is truncated when it would grow past SIZE)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label on the container: KEY[=VALUE]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal to stop the container with (default: the image\'s, else SIGTERM)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Seconds to wait for the stop signal before SIGKILL' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Remove the container when it exits'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l replace -d 'Remove an existing container of the same --name first (as `rm -f`)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep stdin open and connect it to the container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Allocate a pseudo-terminal for the container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s P -l publish-all -d 'Publish all the image\'s exposed ports to random host ports'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Suppress output information when pulling images'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from create" -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid (default: the container\'s)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory inside the container (default: the container\'s)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Run the process in the background; it ends with the container at the latest'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s i -l interactive -d 'Keep stdin open and connect it to the process'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s t -l tty -d 'Allocate a pseudo-terminal for the process'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exists" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exists" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exists" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output as JSON (default) or with a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from inspect" -s t -l type -d 'Only look for this kind of object' -r -f -a "all\t'Containers, then images'
container\t''
image\t''"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from inspect" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'Signal to send: a name (KILL, SIGTERM) or number' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from kill" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from kill" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from kill" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from kill" -s a -l all -d 'Signal all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: name=REGEX, id=PREFIX, status=STATE, ancestor=IMAGE, label=KEY[=VALUE], exited=CODE' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -l format -d 'Output format: json, or a Go template (`table` prefix for a header)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -s n -l last -d 'Show the N containers created last (all states)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all containers, not only running ones'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -s l -l latest -d 'Show the latest container created (all states)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -l noheading -d 'Do not print the column headings'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only container IDs'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: name=REGEX, id=PREFIX, status=STATE, ancestor=IMAGE, label=KEY[=VALUE], exited=CODE' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'Output format: json, or a Go template (`table` prefix for a header)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -s n -l last -d 'Show the N containers created last (all states)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers, not only running ones'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -s l -l latest -d 'Show the latest container created (all states)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the column headings'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only container IDs'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -s f -l filter -d 'Filter: name=REGEX, id=PREFIX, status=STATE, ancestor=IMAGE, label=KEY[=VALUE], exited=CODE' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -l format -d 'Output format: json, or a Go template (`table` prefix for a header)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -s n -l last -d 'Show the N containers created last (all states)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all containers, not only running ones'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -s l -l latest -d 'Show the latest container created (all states)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -l noheading -d 'Do not print the column headings'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Print only container IDs'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -l tail -d 'Show only the last N lines (-1: all)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Show lines since TIME: RFC 3339, Unix seconds, or a duration ago (10m, 1h30m)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -l until -d 'Show lines until TIME (same forms as --since)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new output until the container exits'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Prefix each line with its time'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l names -d 'Prefix each line with the container\'s name'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from pause" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from pause" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from pause" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from pause" -s a -l all -d 'Pause all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from port" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from port" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from port" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from port" -s a -l all -d 'Display port information for all containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from prune" -l filter -d 'Only containers matching: until=TIME (created before), label=KEY[=VALUE], label!=KEY[=VALUE]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from prune" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from prune" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rename" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rename" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rename" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -d 'Seconds to wait for the stop signal before killing the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -s a -l all -d 'Restart all containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -l running -d 'Restart only the running containers (with --all)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -s t -l time -d 'Seconds to wait for the stop signal before killing a running container (with --force)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -l cidfile -d 'Read the container ID from FILE (repeatable)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Stop and remove running containers; no error for missing ones'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Also remove the container\'s anonymous volumes'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Name of the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l cidfile -d 'Write the container\'s ID to FILE (refused if FILE exists)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l sdnotify -d 'Who notifies systemd that the container is ready, when NOTIFY_SOCKET is set' -r -f -a "container\t'The container\'s command notifies; the socket is bound into it'
conmon\t'The monitor notifies once the command has started'
ignore\t'Nobody notifies'"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the image\'s entrypoint: a command, or a JSON array such as \'["sh","-c"]\'' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Hostname inside the container (default: the container id\'s first 12 digits)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Bind a host path or mount a volume: HOST-PATH:CONTAINER-PATH[:ro|rw|z|Z], NAME:CONTAINER-PATH[:ro|rw|U|copy|nocopy] (a named volume, created on first use and filled with the image\'s content there), or CONTAINER-PATH (an anonymous volume)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Attach a mount: type=bind,source=PATH,destination=PATH[,ro], type=volume[,source=NAME],destination=PATH[,ro][,U][,volume-nocopy] or type=tmpfs,destination=PATH[,tmpfs-size=N][,tmpfs-mode=M]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a fresh tmpfs: CONTAINER-PATH[:OPTIONS] (default options rw,noexec,nosuid,nodev)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'Network: private (default; aliases slirp4netns[:allow_host_loopback=true,mtu=N], pasta), none (only lo) or host (the host\'s network)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container\'s port to the host: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'DNS server for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'DNS search domain for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -d 'DNS option for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a line to /etc/hosts: HOST:IP (HOST may list aliases separated by \';\')' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'When to pull the image' -r -f -a "missing\t'Pull only when the image is not in the store'
always\t'Always pull'
never\t'Never pull; fail when the image is not in the store'
newer\t'Pull when the registry has a newer image'"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l rootfs -d 'Run an exploded root filesystem from DIR instead of an image' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add a capability (e.g. NET_ADMIN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'Security options: no-new-privileges[=true|false]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1 or unlimited for no limit)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s m -l memory -d 'Memory limit: a number with an optional unit b, k, m or g (e.g. 512m)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-swap -d 'Memory plus swap limit, as --memory; -1 for unlimited swap (default: twice --memory)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l cpus -d 'Number of CPUs the container may use (e.g. 1.5)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s c -l cpu-shares -d 'CPU shares: the container\'s relative weight (2 to 262144; default 1024)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l pids-limit -d 'Limit on the number of processes in the container (-1 or 0: unlimited)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy while the container lives: no, on-failure[:MAX], always, unless-stopped' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l log-driver -d 'Logging driver: k8s-file (default) or none' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'Logging option: max-size=SIZE (the log is truncated when it would grow past SIZE)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set a label on the container: KEY[=VALUE]' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal to stop the container with (default: the image\'s, else SIGTERM)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Seconds to wait for the stop signal before SIGKILL' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run the container in the background and print its ID'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Remove the container when it exits'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l replace -d 'Remove an existing container of the same --name first (as `rm -f`)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep stdin open and connect it to the container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-terminal for the container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish all the image\'s exposed ports to random host ports'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Suppress output information when pulling images'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -l detach-keys -d 'Select the key sequence for detaching a container (with --attach)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -l sig-proxy -d 'Proxy received signals to the container\'s process (with --attach)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Attach the container\'s output (and with -i its input) to the terminal'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -s i -l interactive -d 'Keep stdin open and connect it to the container (with --attach)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -l format -d 'Format the output with a Go template, or json' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -s i -l interval -d 'Seconds between two updates of the stream' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -s a -l all -d 'Show all containers (default: running ones)'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-stream -d 'Print the statistics once instead of streaming them'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-trunc -d 'Do not truncate the container IDs'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -d 'Seconds to wait before killing the container (default: its --stop-timeout, 10)' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -l cidfile -d 'Read the container ID from FILE (repeatable)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -s a -l all -d 'Stop all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from top" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from top" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from top" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from unpause" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from unpause" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from unpause" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from unpause" -s a -l all -d 'Pause all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from wait" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from wait" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "attach" -d 'Attach to a running container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create but do not start a container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "exec" -d 'Run a process in a running container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "exists" -d 'Check if a container exists in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Display the configuration of a container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "kill" -d 'Kill one or more running containers with a specific signal'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "list" -d 'List containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Fetch the logs of one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Pause all the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove all non running containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Rename an existing container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Restart one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run a command in a new container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Display a live stream of container resource usage statistics'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "top" -d 'Display the running processes of a container'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "unpause" -d 'Unpause the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "wait" -d 'Block on one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand container; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand cp" -s a -l archive -d 'Give files copied into the container to its user and group; with --archive=false keep the owners of the source (as seen in the user namespace)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand cp" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand cp" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand cp" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand cp" -l overwrite -d 'Allow directories to be replaced by non-directories and the other way round'
complete -c rpod -n "__fish_rpod_using_subcommand cp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand create" -l name -d 'Name of the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l cidfile -d 'Write the container\'s ID to FILE (refused if FILE exists)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand create" -l sdnotify -d 'Who notifies systemd that the container is ready, when NOTIFY_SOCKET is set' -r -f -a "container\t'The container\'s command notifies; the socket is bound into it'
conmon\t'The monitor notifies once the command has started'
ignore\t'Nobody notifies'"
complete -c rpod -n "__fish_rpod_using_subcommand create" -s e -l env -d 'Set an environment variable (NAME=VALUE; NAME alone takes the host\'s value)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l env-file -d 'Read environment variables from a file (lines NAME=VALUE or NAME; # comments)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand create" -s w -l workdir -d 'Working directory inside the container (created if missing)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s u -l user -d 'User to run as: name, uid, name:group or uid:gid' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l entrypoint -d 'Override the image\'s entrypoint: a command, or a JSON array such as \'["sh","-c"]\'' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s h -l hostname -d 'Hostname inside the container (default: the container id\'s first 12 digits)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s v -l volume -d 'Bind a host path or mount a volume: HOST-PATH:CONTAINER-PATH[:ro|rw|z|Z], NAME:CONTAINER-PATH[:ro|rw|U|copy|nocopy] (a named volume, created on first use and filled with the image\'s content there), or CONTAINER-PATH (an anonymous volume)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l mount -d 'Attach a mount: type=bind,source=PATH,destination=PATH[,ro], type=volume[,source=NAME],destination=PATH[,ro][,U][,volume-nocopy] or type=tmpfs,destination=PATH[,tmpfs-size=N][,tmpfs-mode=M]' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l tmpfs -d 'Mount a fresh tmpfs: CONTAINER-PATH[:OPTIONS] (default options rw,noexec,nosuid,nodev)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l network -l net -d 'Network: private (default; aliases slirp4netns[:allow_host_loopback=true,mtu=N], pasta), none (only lo) or host (the host\'s network)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s p -l publish -d 'Publish a container\'s port to the host: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l dns -d 'DNS server for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l dns-search -d 'DNS search domain for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l dns-option -d 'DNS option for the container\'s /etc/resolv.conf' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l add-host -d 'Add a line to /etc/hosts: HOST:IP (HOST may list aliases separated by \';\')' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l pull -d 'When to pull the image' -r -f -a "missing\t'Pull only when the image is not in the store'
always\t'Always pull'
never\t'Never pull; fail when the image is not in the store'
newer\t'Pull when the registry has a newer image'"
complete -c rpod -n "__fish_rpod_using_subcommand create" -l rootfs -d 'Run an exploded root filesystem from DIR instead of an image' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand create" -l cap-add -d 'Add a capability (e.g. NET_ADMIN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l security-opt -d 'Security options: no-new-privileges[=true|false]' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1 or unlimited for no limit)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s m -l memory -d 'Memory limit: a number with an optional unit b, k, m or g (e.g. 512m)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l memory-swap -d 'Memory plus swap limit, as --memory; -1 for unlimited swap (default: twice --memory)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l cpus -d 'Number of CPUs the container may use (e.g. 1.5)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s c -l cpu-shares -d 'CPU shares: the container\'s relative weight (2 to 262144; default 1024)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l pids-limit -d 'Limit on the number of processes in the container (-1 or 0: unlimited)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l restart -d 'Restart policy while the container lives: no, on-failure[:MAX], always, unless-stopped' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l log-driver -d 'Logging driver: k8s-file (default) or none' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l log-opt -d 'Logging option: max-size=SIZE (the log is truncated when it would grow past SIZE)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -s l -l label -d 'Set a label on the container: KEY[=VALUE]' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l stop-signal -d 'Signal to stop the container with (default: the image\'s, else SIGTERM)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l stop-timeout -d 'Seconds to wait for the stop signal before SIGKILL' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand create" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand create" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand create" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand create" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand create" -l rm -d 'Remove the container when it exits'
complete -c rpod -n "__fish_rpod_using_subcommand create" -l replace -d 'Remove an existing container of the same --name first (as `rm -f`)'
complete -c rpod -n "__fish_rpod_using_subcommand create" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c rpod -n "__fish_rpod_using_subcommand create" -s i -l interactive -d 'Keep stdin open and connect it to the container'
complete -c rpod -n "__fish_rpod_using_subcommand create" -s t -l tty -d 'Allocate a pseudo-terminal for the container'
complete -c rpod -n "__fish_rpod_using_subcommand create" -s P -l publish-all -d 'Publish all the image\'s exposed ports to random host ports'
complete -c rpod -n "__fish_rpod_using_subcommand create" -s q -l quiet -d 'Suppress output information when pulling images'
complete -c rpod -n "__fish_rpod_using_subcommand create" -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand inspect" -s f -l format -d 'Format the output as JSON (default) or with a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand inspect" -s t -l type -d 'Only look for this kind of object' -r -f -a "all\t'Containers, then images'
container\t''
image\t''"
complete -c rpod -n "__fish_rpod_using_subcommand inspect" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand inspect" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand inspect" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand kill" -s s -l signal -d 'Signal to send: a name (KILL, SIGTERM) or number' -r
complete -c rpod -n "__fish_rpod_using_subcommand kill" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand kill" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand kill" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand kill" -s a -l all -d 'Signal all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand kill" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand login" -s u -l username -d 'Username for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand login" -s p -l password -d 'Password for the registry (visible in the process list: prefer --password-stdin)' -r
complete -c rpod -n "__fish_rpod_using_subcommand login" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand login" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand login" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand login" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand login" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand login" -l password-stdin -d 'Read the password from standard input'
complete -c rpod -n "__fish_rpod_using_subcommand login" -l get-login -d 'Print the username stored for the registry'
complete -c rpod -n "__fish_rpod_using_subcommand login" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand logout" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand logout" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand logout" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand logout" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand logout" -s a -l all -d 'Remove the credentials of every registry'
complete -c rpod -n "__fish_rpod_using_subcommand logout" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand logs" -l tail -d 'Show only the last N lines (-1: all)' -r
complete -c rpod -n "__fish_rpod_using_subcommand logs" -l since -d 'Show lines since TIME: RFC 3339, Unix seconds, or a duration ago (10m, 1h30m)' -r
complete -c rpod -n "__fish_rpod_using_subcommand logs" -l until -d 'Show lines until TIME (same forms as --since)' -r
complete -c rpod -n "__fish_rpod_using_subcommand logs" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand logs" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand logs" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the container exits'
complete -c rpod -n "__fish_rpod_using_subcommand logs" -s t -l timestamps -d 'Prefix each line with its time'
complete -c rpod -n "__fish_rpod_using_subcommand logs" -s n -l names -d 'Prefix each line with the container\'s name'
complete -c rpod -n "__fish_rpod_using_subcommand logs" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand pause" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand pause" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand pause" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand pause" -s a -l all -d 'Pause all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand pause" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand port" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand port" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand port" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand port" -s a -l all -d 'Display port information for all containers'
complete -c rpod -n "__fish_rpod_using_subcommand port" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand ps" -s f -l filter -d 'Filter: name=REGEX, id=PREFIX, status=STATE, ancestor=IMAGE, label=KEY[=VALUE], exited=CODE' -r
complete -c rpod -n "__fish_rpod_using_subcommand ps" -l format -d 'Output format: json, or a Go template (`table` prefix for a header)' -r
complete -c rpod -n "__fish_rpod_using_subcommand ps" -s n -l last -d 'Show the N containers created last (all states)' -r
complete -c rpod -n "__fish_rpod_using_subcommand ps" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand ps" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand ps" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand ps" -s a -l all -d 'Show all containers, not only running ones'
complete -c rpod -n "__fish_rpod_using_subcommand ps" -s l -l latest -d 'Show the latest container created (all states)'
complete -c rpod -n "__fish_rpod_using_subcommand ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c rpod -n "__fish_rpod_using_subcommand ps" -l noheading -d 'Do not print the column headings'
complete -c rpod -n "__fish_rpod_using_subcommand ps" -s q -l quiet -d 'Print only container IDs'
complete -c rpod -n "__fish_rpod_using_subcommand ps" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand rename" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand rename" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rename" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rename" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand restart" -s t -l time -d 'Seconds to wait for the stop signal before killing the container' -r
complete -c rpod -n "__fish_rpod_using_subcommand restart" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand restart" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand restart" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand restart" -s a -l all -d 'Restart all containers'
complete -c rpod -n "__fish_rpod_using_subcommand restart" -l running -d 'Restart only the running containers (with --all)'
complete -c rpod -n "__fish_rpod_using_subcommand restart" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand rm" -s t -l time -d 'Seconds to wait for the stop signal before killing a running container (with --force)' -r
complete -c rpod -n "__fish_rpod_using_subcommand rm" -l cidfile -d 'Read the container ID from FILE (repeatable)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rm" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand rm" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rm" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rm" -s a -l all -d 'Remove all containers'
complete -c rpod -n "__fish_rpod_using_subcommand rm" -s f -l force -d 'Stop and remove running containers; no error for missing ones'
complete -c rpod -n "__fish_rpod_using_subcommand rm" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c rpod -n "__fish_rpod_using_subcommand rm" -s v -l volumes -d 'Also remove the container\'s anonymous volumes'
complete -c rpod -n "__fish_rpod_using_subcommand rm" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand start" -l detach-keys -d 'Select the key sequence for detaching a container (with --attach)' -r
complete -c rpod -n "__fish_rpod_using_subcommand start" -l sig-proxy -d 'Proxy received signals to the container\'s process (with --attach)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand start" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand start" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand start" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand start" -s a -l attach -d 'Attach the container\'s output (and with -i its input) to the terminal'
complete -c rpod -n "__fish_rpod_using_subcommand start" -s i -l interactive -d 'Keep stdin open and connect it to the container (with --attach)'
complete -c rpod -n "__fish_rpod_using_subcommand start" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand stats" -l format -d 'Format the output with a Go template, or json' -r
complete -c rpod -n "__fish_rpod_using_subcommand stats" -s i -l interval -d 'Seconds between two updates of the stream' -r
complete -c rpod -n "__fish_rpod_using_subcommand stats" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand stats" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand stats" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand stats" -s a -l all -d 'Show all containers (default: running ones)'
complete -c rpod -n "__fish_rpod_using_subcommand stats" -l no-stream -d 'Print the statistics once instead of streaming them'
complete -c rpod -n "__fish_rpod_using_subcommand stats" -l no-trunc -d 'Do not truncate the container IDs'
complete -c rpod -n "__fish_rpod_using_subcommand stats" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand stop" -s t -l time -d 'Seconds to wait before killing the container (default: its --stop-timeout, 10)' -r
complete -c rpod -n "__fish_rpod_using_subcommand stop" -l cidfile -d 'Read the container ID from FILE (repeatable)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand stop" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand stop" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand stop" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand stop" -s a -l all -d 'Stop all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand stop" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c rpod -n "__fish_rpod_using_subcommand stop" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and not __fish_seen_subcommand_from systemd help" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand generate; and not __fish_seen_subcommand_from systemd help" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand generate; and not __fish_seen_subcommand_from systemd help" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand generate; and not __fish_seen_subcommand_from systemd help" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and not __fish_seen_subcommand_from systemd help" -f -a "systemd" -d 'Generate a systemd unit file for a container'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and not __fish_seen_subcommand_from systemd help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l restart-policy -d 'systemd restart policy (Restart=)' -r -f -a "no\t''
on-success\t''
on-failure\t''
on-abnormal\t''
on-watchdog\t''
on-abort\t''
always\t''"
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l restart-sec -d 'Seconds systemd waits before restarting the container (RestartSec=)' -r
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s t -l time -d 'Seconds to wait for the container to stop before killing it (default: its --stop-timeout)' -r
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l container-prefix -d 'Prefix of the unit\'s name' -r
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l separator -d 'Between the prefix and the name' -r
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s f -l files -d 'Write the unit to ./container-NAME.service and print its path'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s n -l name -d 'Use the container\'s name instead of its ID in the unit'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l new -d 'Create a new container at each start instead of starting an existing one'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -l no-header -d 'Skip the header with the rpod version and the date'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from systemd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "systemd" -d 'Generate a systemd unit file for a container'
complete -c rpod -n "__fish_rpod_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand top" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand top" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand top" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand top" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand unpause" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand unpause" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unpause" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unpause" -s a -l all -d 'Pause all running containers'
complete -c rpod -n "__fish_rpod_using_subcommand unpause" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand wait" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand wait" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand wait" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand wait" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand unshare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand history" -l format -d 'Change the output to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand history" -s H -l human -d 'Display sizes and dates in human readable format' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand history" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand history" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand history" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand history" -l no-trunc -d 'Do not truncate the output'
complete -c rpod -n "__fish_rpod_using_subcommand history" -s q -l quiet -d 'Display the numeric IDs only'
complete -c rpod -n "__fish_rpod_using_subcommand history" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "exists" -d 'Check if an image exists in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "history" -d 'Show history of a specified image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "import" -d 'Import a tarball to create a filesystem image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "inspect" -d 'Display the configuration of an image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "list" -d 'List images in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "ls" -d 'List images in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "load" -d 'Load image(s) from a tar archive'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "pull" -d 'Pull an image from a registry'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "prune" -d 'Remove unused images'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "push" -d 'Push an image to a specified destination'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "rm" -d 'Remove one or more images from local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "save" -d 'Save image(s) to an archive'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "tag" -d 'Add an additional name to a local image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "untag" -d 'Remove a name from a local image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and not __fish_seen_subcommand_from exists history import inspect list ls load pull prune push rm save tag untag help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from exists" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from exists" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from exists" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -l format -d 'Change the output to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -s H -l human -d 'Display sizes and dates in human readable format' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -l no-trunc -d 'Do not truncate the output'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Display the numeric IDs only'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENV, EXPOSE, …)' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'Set the commit message (the history comment)' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -l os -d 'Operating system of the image' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -l arch -d 'Architecture of the image (default: this machine\'s)' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -l variant -d 'Architecture variant of the image' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output as JSON (default) or with a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from inspect" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter output based on conditions: dangling=BOOL, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE, id=ID' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l format -d 'Change the output format to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l sort -d 'Sort by created, id, repository, size or tag' -r -f -a "created\t''
id\t''
repository\t''
size\t''
tag\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all images (by default intermediate images are hidden)'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l digests -d 'Show digests'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -s n -l noheading -d 'Do not print column headings'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate output'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Display only image IDs'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter output based on conditions: dangling=BOOL, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE, id=ID' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d 'Change the output format to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l sort -d 'Sort by created, id, repository, size or tag' -r -f -a "created\t''
id\t''
repository\t''
size\t''
tag\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (by default intermediate images are hidden)'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show digests'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print column headings'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate output'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Display only image IDs'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from load" -s i -l input -d 'Read from a file instead of standard input' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from load" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from load" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from load" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Suppress output information when pulling images'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from prune" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from prune" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all images not in use by containers, not just dangling ones'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -s f -l format -d 'Manifest type to use when pushing: oci or v2s2 (Docker schema 2)' -r -f -a "oci\t'OCI image manifest (the default, as podman\'s)'
v2s2\t'Docker image manifest, schema 2'"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l compression-format -d 'Compression format for layers that are compressed for this push' -r -f -a "gzip\t''
zstd\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l compression-level -d 'Compression level (gzip 0-9, zstd 1-19)' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l digestfile -d 'Write the digest of the pushed manifest to this file' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Suppress output information when pushing images'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -l force-compression -d 'Compress every layer again, even when the registry has a compressed form'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all images'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove an image even when it has several names and is given by id, and the containers that use it'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Do not fail when an image does not exist'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -l format -d 'Archive format' -r -f -a "docker-archive\t''
oci-archive\t''"
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to a file instead of standard output' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from tag" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from tag" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from tag" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from untag" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from untag" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from untag" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from untag" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "exists" -d 'Check if an image exists in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "history" -d 'Show history of a specified image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import a tarball to create a filesystem image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Display the configuration of an image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "list" -d 'List images in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "load" -d 'Load image(s) from a tar archive'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Pull an image from a registry'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove unused images'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "push" -d 'Push an image to a specified destination'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove one or more images from local storage'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "save" -d 'Save image(s) to an archive'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "tag" -d 'Add an additional name to a local image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "untag" -d 'Remove a name from a local image'
complete -c rpod -n "__fish_rpod_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand images" -s f -l filter -d 'Filter output based on conditions: dangling=BOOL, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE, id=ID' -r
complete -c rpod -n "__fish_rpod_using_subcommand images" -l format -d 'Change the output format to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand images" -l sort -d 'Sort by created, id, repository, size or tag' -r -f -a "created\t''
id\t''
repository\t''
size\t''
tag\t''"
complete -c rpod -n "__fish_rpod_using_subcommand images" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand images" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand images" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand images" -s a -l all -d 'Show all images (by default intermediate images are hidden)'
complete -c rpod -n "__fish_rpod_using_subcommand images" -l digests -d 'Show digests'
complete -c rpod -n "__fish_rpod_using_subcommand images" -s n -l noheading -d 'Do not print column headings'
complete -c rpod -n "__fish_rpod_using_subcommand images" -l no-trunc -d 'Do not truncate output'
complete -c rpod -n "__fish_rpod_using_subcommand images" -s q -l quiet -d 'Display only image IDs'
complete -c rpod -n "__fish_rpod_using_subcommand images" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand import" -s c -l change -d 'Apply a Containerfile instruction to the image config (CMD, ENV, EXPOSE, …)' -r
complete -c rpod -n "__fish_rpod_using_subcommand import" -s m -l message -d 'Set the commit message (the history comment)' -r
complete -c rpod -n "__fish_rpod_using_subcommand import" -l os -d 'Operating system of the image' -r
complete -c rpod -n "__fish_rpod_using_subcommand import" -l arch -d 'Architecture of the image (default: this machine\'s)' -r
complete -c rpod -n "__fish_rpod_using_subcommand import" -l variant -d 'Architecture variant of the image' -r
complete -c rpod -n "__fish_rpod_using_subcommand import" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand import" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand import" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand import" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand import" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand load" -s i -l input -d 'Read from a file instead of standard input' -r
complete -c rpod -n "__fish_rpod_using_subcommand load" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand load" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand load" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand load" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand load" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l platform -d 'Pull the image for this platform (OS/ARCH[/VARIANT]) instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l arch -d 'Pull the image for this architecture instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l os -d 'Pull the image for this operating system instead of the host\'s' -r
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l variant -d 'Use this architecture variant (e.g. v7 for arm)' -r
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand pull" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand pull" -s q -l quiet -d 'Suppress output information when pulling images'
complete -c rpod -n "__fish_rpod_using_subcommand pull" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand push" -s f -l format -d 'Manifest type to use when pushing: oci or v2s2 (Docker schema 2)' -r -f -a "oci\t'OCI image manifest (the default, as podman\'s)'
v2s2\t'Docker image manifest, schema 2'"
complete -c rpod -n "__fish_rpod_using_subcommand push" -l compression-format -d 'Compression format for layers that are compressed for this push' -r -f -a "gzip\t''
zstd\t''"
complete -c rpod -n "__fish_rpod_using_subcommand push" -l compression-level -d 'Compression level (gzip 0-9, zstd 1-19)' -r
complete -c rpod -n "__fish_rpod_using_subcommand push" -l digestfile -d 'Write the digest of the pushed manifest to this file' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand push" -l tls-verify -d 'Require HTTPS and verify certificates (`--tls-verify=false` allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c rpod -n "__fish_rpod_using_subcommand push" -l creds -d 'Credentials (USERNAME:PASSWORD) for the registry' -r
complete -c rpod -n "__fish_rpod_using_subcommand push" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand push" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand push" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand push" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand push" -s q -l quiet -d 'Suppress output information when pushing images'
complete -c rpod -n "__fish_rpod_using_subcommand push" -l force-compression -d 'Compress every layer again, even when the registry has a compressed form'
complete -c rpod -n "__fish_rpod_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -s a -l all -d 'Remove all images'
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -s f -l force -d 'Remove an image even when it has several names and is given by id, and the containers that use it'
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -s i -l ignore -d 'Do not fail when an image does not exist'
complete -c rpod -n "__fish_rpod_using_subcommand rmi" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand save" -l format -d 'Archive format' -r -f -a "docker-archive\t''
oci-archive\t''"
complete -c rpod -n "__fish_rpod_using_subcommand save" -s o -l output -d 'Write to a file instead of standard output' -r
complete -c rpod -n "__fish_rpod_using_subcommand save" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand save" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand save" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand save" -s q -l quiet -d 'Suppress progress output'
complete -c rpod -n "__fish_rpod_using_subcommand save" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand tag" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand tag" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand tag" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand tag" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand untag" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand untag" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand untag" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand untag" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand version" -s f -l format -d 'Output format: `json`, or a Go-template style string such as `{{.Version}}`' -r
complete -c rpod -n "__fish_rpod_using_subcommand version" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand version" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand version" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand version" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "create" -d 'Create a new volume'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "exists" -d 'Check if a volume exists (exit 0 if it does, 1 if not)'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "inspect" -d 'Display detailed information on one or more volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "ls" -d 'List volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "list" -d 'List volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "prune" -d 'Remove all unused volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "rm" -d 'Remove one or more volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "remove" -d 'Remove one or more volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and not __fish_seen_subcommand_from create exists inspect ls list prune rm remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -l driver -d 'Volume driver (only "local")' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -s l -l label -d 'Set metadata on the volume: KEY[=VALUE]' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -s o -l opt -d 'Driver options: uid=UID and gid=GID (owner of the volume\'s root, as ids in the container), copy or nocopy (whether the first container copies its image\'s content in)' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -l ignore -d 'Succeed without changing anything if the volume exists'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from exists" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from exists" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from exists" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output as JSON (default) or with a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s a -l all -d 'Inspect all volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter output: name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE], driver=, scope=, opt=, dangling=true|false, until=TIMESTAMP|DURATION' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'Change the output format to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print column headings'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print volume names only'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter output: name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE], driver=, scope=, opt=, dangling=true|false, until=TIMESTAMP|DURATION' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -l format -d 'Change the output format to JSON or a Go template' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -s n -l noheading -d 'Do not print column headings'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print volume names only'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from prune" -l filter -d 'Only volumes that match: label=KEY[=VALUE], label!=…, until=TIMESTAMP|DURATION, …' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from prune" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from prune" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -s t -l time -d 'Seconds to wait for running containers to stop before killing them' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove volumes even when containers use them, and those containers with them'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -s t -l time -d 'Seconds to wait for running containers to stop before killing them' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -l log-level -d 'Log messages at and above this level: trace, debug, info, warn, error, fatal, panic' -r
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -l root -d 'Path to the storage root directory (images, containers, volumes)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -l runroot -d 'Path to the runtime state directory (pids, sockets, locks)' -r -F
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -s a -l all -d 'Remove all volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -s f -l force -d 'Remove volumes even when containers use them, and those containers with them'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a new volume'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "exists" -d 'Check if a volume exists (exit 0 if it does, 1 if not)'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Display detailed information on one or more volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove all unused volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove one or more volumes'
complete -c rpod -n "__fish_rpod_using_subcommand volume; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "info" -d 'Display rpod related system information'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "run" -d 'Run a command in a new container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "build" -d 'Build an image using instructions from Containerfiles'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "exec" -d 'Run a process in a running container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "attach" -d 'Attach to a running container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "container" -d 'Manage containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "create" -d 'Create but do not start a container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "inspect" -d 'Display the configuration of containers or images'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "kill" -d 'Kill one or more running containers with a specific signal'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "login" -d 'Log in to a container registry'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "logout" -d 'Log out of a container registry'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "logs" -d 'Fetch the logs of one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "pause" -d 'Pause all the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "ps" -d 'List containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "rename" -d 'Rename an existing container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "restart" -d 'Restart one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "rm" -d 'Remove one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "start" -d 'Start one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "stats" -d 'Display a live stream of container resource usage statistics'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "stop" -d 'Stop one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "generate" -d 'Generate structured data based on containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "top" -d 'Display the running processes of a container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "unpause" -d 'Unpause the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "wait" -d 'Block on one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "unshare" -d 'Run a command in a modified user namespace'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "history" -d 'Show history of a specified image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "image" -d 'Manage images'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "images" -d 'List images in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "import" -d 'Import a tarball to create a filesystem image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "load" -d 'Load image(s) from a tar archive'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "pull" -d 'Pull an image from a registry'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "push" -d 'Push an image to a specified destination'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "rmi" -d 'Remove one or more images from local storage'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "save" -d 'Save image(s) to an archive'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "tag" -d 'Add an additional name to a local image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "untag" -d 'Remove a name from a local image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "version" -d 'Display the rpod version information'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "volume" -d 'Manage volumes'
complete -c rpod -n "__fish_rpod_using_subcommand help; and not __fish_seen_subcommand_from info run build commit exec attach container cp create inspect kill login logout logs pause port ps rename restart rm start stats stop generate top unpause wait unshare history image images import load pull push rmi save tag untag version volume help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "attach" -d 'Attach to a running container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "create" -d 'Create but do not start a container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "exec" -d 'Run a process in a running container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "exists" -d 'Check if a container exists in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "inspect" -d 'Display the configuration of a container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "kill" -d 'Kill one or more running containers with a specific signal'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "list" -d 'List containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "logs" -d 'Fetch the logs of one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "pause" -d 'Pause all the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "port" -d 'List port mappings or a specific mapping for the container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "prune" -d 'Remove all non running containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "rename" -d 'Rename an existing container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "restart" -d 'Restart one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "rm" -d 'Remove one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "run" -d 'Run a command in a new container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "start" -d 'Start one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "stats" -d 'Display a live stream of container resource usage statistics'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "stop" -d 'Stop one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "top" -d 'Display the running processes of a container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "unpause" -d 'Unpause the processes in one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from container" -f -a "wait" -d 'Block on one or more containers'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "systemd" -d 'Generate a systemd unit file for a container'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "exists" -d 'Check if an image exists in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "history" -d 'Show history of a specified image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "import" -d 'Import a tarball to create a filesystem image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "inspect" -d 'Display the configuration of an image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "list" -d 'List images in local storage'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "load" -d 'Load image(s) from a tar archive'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "pull" -d 'Pull an image from a registry'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "prune" -d 'Remove unused images'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "push" -d 'Push an image to a specified destination'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "rm" -d 'Remove one or more images from local storage'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "save" -d 'Save image(s) to an archive'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "tag" -d 'Add an additional name to a local image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "untag" -d 'Remove a name from a local image'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "create" -d 'Create a new volume'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "exists" -d 'Check if a volume exists (exit 0 if it does, 1 if not)'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "inspect" -d 'Display detailed information on one or more volumes'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "ls" -d 'List volumes'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "prune" -d 'Remove all unused volumes'
complete -c rpod -n "__fish_rpod_using_subcommand help; and __fish_seen_subcommand_from volume" -f -a "rm" -d 'Remove one or more volumes'

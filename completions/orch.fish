# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_orch_global_optspecs
    string join \n dir= db= o/output= q/quiet v/verbose color= user= h/help V/version
end

function __fish_orch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_orch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_orch_using_subcommand
    set -l cmd (__fish_orch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c orch -n "__fish_orch_needs_command" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_needs_command" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_needs_command" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_needs_command" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_needs_command" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_needs_command" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c orch -n "__fish_orch_needs_command" -s V -l version -d 'Print version'
complete -c orch -n "__fish_orch_needs_command" -f -a "init" -d 'Create an empty project: orch.toml, products/, workflows/ and the database'
complete -c orch -n "__fish_orch_needs_command" -f -a "db" -d 'The database: apply migrations, show status, check for damage, back up'
complete -c orch -n "__fish_orch_needs_command" -f -a "product" -d 'Product definitions: load, create, list, show'
complete -c orch -n "__fish_orch_needs_command" -f -a "workflow" -d 'Workflows: list, show, check, run'
complete -c orch -n "__fish_orch_needs_command" -f -a "process" -d 'Processes: list, show, retry, resume, abort, skip'
complete -c orch -n "__fish_orch_needs_command" -f -a "subscription" -d 'Subscriptions: list, show, the workflows that can run on one'
complete -c orch -n "__fish_orch_needs_command" -f -a "events" -d 'Events: list, follow as they commit, feed named consumers'
complete -c orch -n "__fish_orch_needs_command" -f -a "task" -d 'Tasks (system workflows and the built-in ones): list, run'
complete -c orch -n "__fish_orch_needs_command" -f -a "schedule" -d 'Schedules of tasks: list'
complete -c orch -n "__fish_orch_needs_command" -f -a "scheduler" -d 'The scheduler: run due tasks and retry waiting processes'
complete -c orch -n "__fish_orch_needs_command" -f -a "worker" -d 'Workers: run queued processes, many at once; list the workers'
complete -c orch -n "__fish_orch_needs_command" -f -a "engine" -d 'The engine switch: pause every new step, resume, status'
complete -c orch -n "__fish_orch_needs_command" -f -a "locks" -d 'Locks on shared resources: who holds each, since when, who waits for it'
complete -c orch -n "__fish_orch_needs_command" -f -a "serve" -d 'Serve the JSON API and the dashboard, with a worker'
complete -c orch -n "__fish_orch_needs_command" -f -a "token" -d 'Tokens of the API and the dashboard: create, list, revoke'
complete -c orch -n "__fish_orch_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c orch -n "__fish_orch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand init" -l default-customer -d 'The customer of new subscriptions when --customer is not given' -r
complete -c orch -n "__fish_orch_using_subcommand init" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand init" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand init" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand init" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand init" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand init" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand init" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand init" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -f -a "migrate" -d 'Apply pending schema migrations (orch also does this on first use)'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -f -a "status" -d 'Show the database path, schema version and counts'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -f -a "check" -d 'Check the database for damage and say what is wrong (exit 1 when damaged)'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -f -a "backup" -d 'Write a consistent copy of the database to FILE, also while orch runs'
complete -c orch -n "__fish_orch_using_subcommand db; and not __fish_seen_subcommand_from migrate status check backup help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -l force -d 'Replace FILE if it exists'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply pending schema migrations (orch also does this on first use)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the database path, schema version and counts'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check the database for damage and say what is wrong (exit 1 when damaged)'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Write a consistent copy of the database to FILE, also while orch runs'
complete -c orch -n "__fish_orch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -f -a "load" -d 'Load product definitions from files, printing a plan first'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -f -a "create" -d 'Create one product from flags (or interactively with --form)'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -f -a "list" -d 'List products'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -f -a "show" -d 'Show one product with its blocks and fields'
complete -c orch -n "__fish_orch_using_subcommand product; and not __fish_seen_subcommand_from load create list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l force -d 'Apply changes that would invalidate existing subscriptions'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l prune -d 'Remove products that are in the database but not in the files'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -l dry-run -d 'Print the plan without applying it'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l name -d 'Unique product name' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l type -d 'Product type' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l tag -d 'Tag that workflows attach to' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l description -d 'What the product is (default: empty)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l status -d 'active, pre production, phase out or end of life (default: active)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l fixed-input -d 'A fixed input, key=value (repeatable)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l root-key -d 'Key of the block tree in subscriptions (default: the tag in lower case)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l root-block -d 'Name of the root block (default: <Name>Block)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l field -d 'A field of the root block: NAME:TYPE[:REQUIRED], TYPE one of string, int, float, bool, ipv4, ipv6, ipv4_network, ipv6_network, uuid, json, enum(a|b), subscription(TAG) (`subscription()`: of any product); append [] for a list (repeatable)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l form -d 'Ask for what the flags leave out interactively (only on a terminal)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l save -d 'Also write the definition to the products folder orch.toml names (products/ unless it says otherwise), as <name in lower case>.toml'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -l force -d 'Overwrite an existing file or product'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "load" -d 'Load product definitions from files, printing a plan first'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create one product from flags (or interactively with --form)'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "list" -d 'List products'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one product with its blocks and fields'
complete -c orch -n "__fish_orch_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -f -a "list" -d 'List the workflows of the project'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -f -a "show" -d 'Show a workflow\'s steps, including the ones its target adds'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -f -a "form" -d 'Print a workflow\'s initial form as JSON Schema (pages in order)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -f -a "check" -d 'Lint every product and workflow file'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -f -a "run" -d 'Start a workflow and run it until it completes, suspends, waits or fails'
complete -c orch -n "__fish_orch_using_subcommand workflow; and not __fish_seen_subcommand_from list show form check run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -l mermaid -d 'Print a Mermaid flowchart'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from form" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l subscription -d 'The subscription to modify, validate or terminate (its id, or a unique prefix)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l input -d 'An answer, key=value (repeatable; typed by the form\'s field: 42, true, a,b for lists)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l input-file -d 'Answers as a JSON or TOML object in a file, or - for stdin' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l customer -d 'The customer of a new subscription (default: orch.toml\'s default_customer, else "default")' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l form -d 'Ask for missing answers interactively (only on a terminal)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l detach -d 'Print the process id and run on in the background'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -l queue -d 'Validate the answers, queue the process for a worker (`orch worker`) and exit'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the workflows of the project'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a workflow\'s steps, including the ones its target adds'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "form" -d 'Print a workflow\'s initial form as JSON Schema (pages in order)'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "check" -d 'Lint every product and workflow file'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "run" -d 'Start a workflow and run it until it completes, suspends, waits or fails'
complete -c orch -n "__fish_orch_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "list" -d 'List processes, newest first'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "show" -d 'Show a process: its steps, the failure and what to do next'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "retry" -d 'Re-run the failed or waiting step and continue'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "resume" -d 'Answer a suspended process\'s input and continue'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "abort" -d 'Stop a process for good (one a live orch runs: ask that orch, and wait)'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "skip" -d 'Mark the failed step as done by hand and continue'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "callback" -d 'Answer a callback step with its token (or report its progress)'
complete -c orch -n "__fish_orch_using_subcommand process; and not __fish_seen_subcommand_from list show retry resume abort skip callback help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l status -d 'Only processes in these statuses (repeatable, or comma-separated)' -r -f -a "created\t''
running\t''
suspended\t''
awaiting_callback\t''
waiting\t''
failed\t''
aborted\t''
completed\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l workflow -d 'Only runs of this workflow (its name)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l subscription -d 'Only processes of this subscription (its id)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l since -d 'Only processes started at or after this time (RFC 3339, a day, or how long ago: 2h)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l parent -d 'Only the child processes of this process (its id, or a unique prefix of it)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l limit -d 'At most this many processes' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -l step -d 'Print the state after this step and what the step changed' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -l state -d 'Print the current state as JSON (with --step, the state after that step)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l plan -d 'Show what would run without running it'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l use-current -d 'Use the workflow file as it is now instead of the definition the process started with'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l form -d 'Ask for secrets the process needs again (else ORCH_SECRET_<NAME> is read)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -l queue -d 'Hand the process to the workers instead of running it here'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l input -d 'An answer, key=value (repeatable; typed by the form\'s field: 42, true, a,b for lists)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l input-file -d 'Answers as a JSON or TOML object in a file, or - for stdin' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l form -d 'Ask for missing answers interactively (only on a terminal)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l use-current -d 'Use the workflow file as it is now instead of the definition the process started with'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -l queue -d 'Record the answer and hand the process to the workers instead of running it here'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -l wait -d 'How long to wait for the orch that runs the process to abort it: the default covers a lease renewal of the default 15s lease and a step\'s grace (5s)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -l no-wait -d 'Only record the request on a running process, and return at once'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from abort" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -l set -d 'Add key=value to the state (repeatable); a dotted key sets inside an object' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from skip" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l token -d 'The token the callback step handed out' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l input -d 'A field of the answer, key=value (repeatable; numbers, booleans and JSON are taken as such)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l input-file -d 'The answer as a JSON or TOML object in a file, or - for stdin' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l progress -d 'Record progress (a `step.progress` event with this message) without answering' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -l queue -d 'Record the answer and hand the process to the workers instead of running it here'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from callback" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "list" -d 'List processes, newest first'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a process: its steps, the failure and what to do next'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Re-run the failed or waiting step and continue'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Answer a suspended process\'s input and continue'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Stop a process for good (one a live orch runs: ask that orch, and wait)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "skip" -d 'Mark the failed step as done by hand and continue'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "callback" -d 'Answer a callback step with its token (or report its progress)'
complete -c orch -n "__fish_orch_using_subcommand process; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -f -a "list" -d 'List subscriptions, newest first'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -f -a "show" -d 'Show a subscription: its fields, relations and the processes that touched it'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -f -a "workflows" -d 'Every workflow for the subscription\'s product, with whether it can run now'
complete -c orch -n "__fish_orch_using_subcommand subscription; and not __fish_seen_subcommand_from list show workflows help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l status -d 'Only these lifecycle states (repeatable, or comma-separated)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l product -d 'Only subscriptions of this product (name or tag)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l customer -d 'Only this customer\'s subscriptions' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l search -d 'Words that must all appear in the description or a field value (prefixes match)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l where -d 'A block field\'s value, e.g. node.role=core (repeatable; all must match)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l insync -d 'Only subscriptions that are in sync (true) or out of sync (false)' -r -f -a "true\t''
false\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l limit -d 'At most this many subscriptions' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l offset -d 'Skip this many (for paging)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -l tree -d 'Draw the block tree'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from workflows" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from help" -f -a "list" -d 'List subscriptions, newest first'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a subscription: its fields, relations and the processes that touched it'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from help" -f -a "workflows" -d 'Every workflow for the subscription\'s product, with whether it can run now'
complete -c orch -n "__fish_orch_using_subcommand subscription; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l since -d 'Only events after this sequence number (with --consumer: move the consumer here)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l kind -d 'Only these kinds; globs like `process.*` (repeatable or comma-separated)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l process -d 'Only events of this process (id or unique prefix)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l subscription -d 'Only events of this subscription' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l limit -d 'At most this many events (with --follow: stop after them)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l consumer -d 'Remember where this named consumer stopped and resume there next time' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l exec -d 'Run this command (sh -c, in the project folder) for each event, the event JSON on stdin' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -s f -l follow -d 'Keep printing events as they commit, until Ctrl-C or SIGTERM'
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -f -a "consumers" -d 'List named consumers, where they stand and how far behind they are'
complete -c orch -n "__fish_orch_using_subcommand events; and not __fish_seen_subcommand_from consumers help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -l remove -d 'Forget this consumer (a reader using the name again starts from the beginning)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from consumers" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "consumers" -d 'List named consumers, where they stand and how far behind they are'
complete -c orch -n "__fish_orch_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -f -a "list" -d 'List the project\'s tasks and the built-in ones, with their schedules'
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -f -a "run" -d 'Run a task now (the options and exit codes of `workflow run`)'
complete -c orch -n "__fish_orch_using_subcommand task; and not __fish_seen_subcommand_from list run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l input -d 'An answer, key=value (repeatable; typed by the form\'s field: 42, true, a,b for lists)' -r
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l input-file -d 'Answers as a JSON or TOML object in a file, or - for stdin' -r
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l form -d 'Ask for missing answers interactively (only on a terminal)'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l detach -d 'Print the process id and run on in the background'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -l queue -d 'Validate the answers, queue the process for a worker (`orch worker`) and exit'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the project\'s tasks and the built-in ones, with their schedules'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run a task now (the options and exit codes of `workflow run`)'
complete -c orch -n "__fish_orch_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -f -a "list" -d 'List the scheduled tasks with their last and next run (times in UTC)'
complete -c orch -n "__fish_orch_using_subcommand schedule; and not __fish_seen_subcommand_from list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the scheduled tasks with their last and next run (times in UTC)'
complete -c orch -n "__fish_orch_using_subcommand schedule; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -f -a "run" -d 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and not __fish_seen_subcommand_from run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l once -d 'Run what is due now, then exit (for cron or CI)'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -l no-retry-waiting -d 'Leave waiting processes alone'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM'
complete -c orch -n "__fish_orch_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -s c -l concurrency -d 'How many processes it runs at once' -r
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l lease -d 'How long its lease on a process lasts; another worker takes a process over once it ran out (renewed every third of it)' -r
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l grace -d 'How long running steps get to finish when it stops, before they are stopped' -r
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -l once -d 'Run what is runnable now (and what it leads to), then exit'
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -f -a "list" -d 'The workers that run or are stopping, and those that stopped or died in the last hour'
complete -c orch -n "__fish_orch_using_subcommand worker; and not __fish_seen_subcommand_from list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from help" -f -a "list" -d 'The workers that run or are stopping, and those that stopped or died in the last hour'
complete -c orch -n "__fish_orch_using_subcommand worker; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -f -a "pause" -d 'Stop every new step: running steps finish and commit, their processes wait'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -f -a "resume" -d 'Let work continue: workers pick the paused processes up again'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -f -a "status" -d 'Say whether the engine runs, is pausing (steps still running) or is paused'
complete -c orch -n "__fish_orch_using_subcommand engine; and not __fish_seen_subcommand_from pause resume status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Stop every new step: running steps finish and commit, their processes wait'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Let work continue: workers pick the paused processes up again'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from help" -f -a "status" -d 'Say whether the engine runs, is pausing (steps still running) or is paused'
complete -c orch -n "__fish_orch_using_subcommand engine; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand locks" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand locks" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand locks" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand locks" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand locks" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand locks" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand locks" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand locks" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand serve" -l listen -d 'The address to listen on (port 0: any free port)' -r
complete -c orch -n "__fish_orch_using_subcommand serve" -l concurrency -d 'How many processes the worker runs at once' -r
complete -c orch -n "__fish_orch_using_subcommand serve" -l lease -d 'How long its worker\'s lease on a process lasts; another worker takes a process over once it ran out (renewed every third of it)' -r
complete -c orch -n "__fish_orch_using_subcommand serve" -l grace -d 'How long running steps get to finish when it stops, before they are stopped' -r
complete -c orch -n "__fish_orch_using_subcommand serve" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand serve" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand serve" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand serve" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand serve" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand serve" -l no-worker -d 'Run no worker here: processes started through the API wait for `orch worker`'
complete -c orch -n "__fish_orch_using_subcommand serve" -l no-auth -d 'Take requests without a token (only on a loopback address)'
complete -c orch -n "__fish_orch_using_subcommand serve" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand serve" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand serve" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Make a token and print it (once: only its hash is stored)'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'List the tokens (names, roles, when made and revoked; never the tokens)'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke a token: requests carrying it are refused from now on'
complete -c orch -n "__fish_orch_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -l role -d 'What it may do: `read` only reads; `operate` also starts and acts on processes' -r -f -a "read\t''
operate\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Make a token and print it (once: only its hash is stored)'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the tokens (names, roles, when made and revoked; never the tokens)'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a token: requests carrying it are refused from now on'
complete -c orch -n "__fish_orch_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand completions" -l dir -d 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)' -r -F
complete -c orch -n "__fish_orch_using_subcommand completions" -l db -d 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml\'s `db`, else orch.db in the project)' -r -F
complete -c orch -n "__fish_orch_using_subcommand completions" -s o -l output -d 'Output format of data on stdout' -r -f -a "table\t''
json\t''
jsonl\t''"
complete -c orch -n "__fish_orch_using_subcommand completions" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c orch -n "__fish_orch_using_subcommand completions" -l user -d 'Who runs the command, recorded in the log (default: the OS user)' -r
complete -c orch -n "__fish_orch_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c orch -n "__fish_orch_using_subcommand completions" -s v -l verbose -d 'Print more detail (stream step output with -v)'
complete -c orch -n "__fish_orch_using_subcommand completions" -s h -l help -d 'Print help'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "init" -d 'Create an empty project: orch.toml, products/, workflows/ and the database'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "db" -d 'The database: apply migrations, show status, check for damage, back up'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "product" -d 'Product definitions: load, create, list, show'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "workflow" -d 'Workflows: list, show, check, run'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "process" -d 'Processes: list, show, retry, resume, abort, skip'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "subscription" -d 'Subscriptions: list, show, the workflows that can run on one'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "events" -d 'Events: list, follow as they commit, feed named consumers'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "task" -d 'Tasks (system workflows and the built-in ones): list, run'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "schedule" -d 'Schedules of tasks: list'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "scheduler" -d 'The scheduler: run due tasks and retry waiting processes'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "worker" -d 'Workers: run queued processes, many at once; list the workers'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "engine" -d 'The engine switch: pause every new step, resume, status'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "locks" -d 'Locks on shared resources: who holds each, since when, who waits for it'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "serve" -d 'Serve the JSON API and the dashboard, with a worker'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "token" -d 'Tokens of the API and the dashboard: create, list, revoke'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c orch -n "__fish_orch_using_subcommand help; and not __fish_seen_subcommand_from init db product workflow process subscription events task schedule scheduler worker engine locks serve token completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Apply pending schema migrations (orch also does this on first use)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show the database path, schema version and counts'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "check" -d 'Check the database for damage and say what is wrong (exit 1 when damaged)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "backup" -d 'Write a consistent copy of the database to FILE, also while orch runs'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "load" -d 'Load product definitions from files, printing a plan first'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "create" -d 'Create one product from flags (or interactively with --form)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "list" -d 'List products'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "show" -d 'Show one product with its blocks and fields'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "list" -d 'List the workflows of the project'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "show" -d 'Show a workflow\'s steps, including the ones its target adds'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "form" -d 'Print a workflow\'s initial form as JSON Schema (pages in order)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "check" -d 'Lint every product and workflow file'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "run" -d 'Start a workflow and run it until it completes, suspends, waits or fails'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "list" -d 'List processes, newest first'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "show" -d 'Show a process: its steps, the failure and what to do next'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "retry" -d 'Re-run the failed or waiting step and continue'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "resume" -d 'Answer a suspended process\'s input and continue'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "abort" -d 'Stop a process for good (one a live orch runs: ask that orch, and wait)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "skip" -d 'Mark the failed step as done by hand and continue'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from process" -f -a "callback" -d 'Answer a callback step with its token (or report its progress)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from subscription" -f -a "list" -d 'List subscriptions, newest first'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from subscription" -f -a "show" -d 'Show a subscription: its fields, relations and the processes that touched it'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from subscription" -f -a "workflows" -d 'Every workflow for the subscription\'s product, with whether it can run now'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "consumers" -d 'List named consumers, where they stand and how far behind they are'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "list" -d 'List the project\'s tasks and the built-in ones, with their schedules'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "run" -d 'Run a task now (the options and exit codes of `workflow run`)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from schedule" -f -a "list" -d 'List the scheduled tasks with their last and next run (times in UTC)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "run" -d 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from worker" -f -a "list" -d 'The workers that run or are stopping, and those that stopped or died in the last hour'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from engine" -f -a "pause" -d 'Stop every new step: running steps finish and commit, their processes wait'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from engine" -f -a "resume" -d 'Let work continue: workers pick the paused processes up again'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from engine" -f -a "status" -d 'Say whether the engine runs, is pausing (steps still running) or is paused'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Make a token and print it (once: only its hash is stored)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "list" -d 'List the tokens (names, roles, when made and revoked; never the tokens)'
complete -c orch -n "__fish_orch_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke a token: requests carrying it are refused from now on'

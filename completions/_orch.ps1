
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'orch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'orch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'orch' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create an empty project: orch.toml, products/, workflows/ and the database')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'The database: apply migrations, show status, check for damage, back up')
            [CompletionResult]::new('product', 'product', [CompletionResultType]::ParameterValue, 'Product definitions: load, create, list, show')
            [CompletionResult]::new('workflow', 'workflow', [CompletionResultType]::ParameterValue, 'Workflows: list, show, check, run')
            [CompletionResult]::new('process', 'process', [CompletionResultType]::ParameterValue, 'Processes: list, show, retry, resume, abort, skip')
            [CompletionResult]::new('subscription', 'subscription', [CompletionResultType]::ParameterValue, 'Subscriptions: list, show, the workflows that can run on one')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Events: list, follow as they commit, feed named consumers')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Tasks (system workflows and the built-in ones): list, run')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Schedules of tasks: list')
            [CompletionResult]::new('scheduler', 'scheduler', [CompletionResultType]::ParameterValue, 'The scheduler: run due tasks and retry waiting processes')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Workers: run queued processes, many at once; list the workers')
            [CompletionResult]::new('engine', 'engine', [CompletionResultType]::ParameterValue, 'The engine switch: pause every new step, resume, status')
            [CompletionResult]::new('locks', 'locks', [CompletionResultType]::ParameterValue, 'Locks on shared resources: who holds each, since when, who waits for it')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the JSON API and the dashboard, with a worker')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Tokens of the API and the dashboard: create, list, revoke')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;init' {
            [CompletionResult]::new('--default-customer', '--default-customer', [CompletionResultType]::ParameterName, 'The customer of new subscriptions when --customer is not given')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;db' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (orch also does this on first use)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the database path, schema version and counts')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the database for damage and say what is wrong (exit 1 when damaged)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the database to FILE, also while orch runs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;db;migrate' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;db;status' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;db;check' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;db;backup' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace FILE if it exists')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;db;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (orch also does this on first use)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the database path, schema version and counts')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the database for damage and say what is wrong (exit 1 when damaged)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the database to FILE, also while orch runs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;db;help;migrate' {
            break
        }
        'orch;db;help;status' {
            break
        }
        'orch;db;help;check' {
            break
        }
        'orch;db;help;backup' {
            break
        }
        'orch;db;help;help' {
            break
        }
        'orch;product' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load product definitions from files, printing a plan first')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one product from flags (or interactively with --form)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List products')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one product with its blocks and fields')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;product;load' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Apply changes that would invalidate existing subscriptions')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Remove products that are in the database but not in the files')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan without applying it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;product;create' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Unique product name')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Product type')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Tag that workflows attach to')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'What the product is (default: empty)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'active, pre production, phase out or end of life (default: active)')
            [CompletionResult]::new('--fixed-input', '--fixed-input', [CompletionResultType]::ParameterName, 'A fixed input, key=value (repeatable)')
            [CompletionResult]::new('--root-key', '--root-key', [CompletionResultType]::ParameterName, 'Key of the block tree in subscriptions (default: the tag in lower case)')
            [CompletionResult]::new('--root-block', '--root-block', [CompletionResultType]::ParameterName, 'Name of the root block (default: <Name>Block)')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'A field of the root block: NAME:TYPE[:REQUIRED], TYPE one of string, int, float, bool, ipv4, ipv6, ipv4_network, ipv6_network, uuid, json, enum(a|b), subscription(TAG) (`subscription()`: of any product); append [] for a list (repeatable)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--form', '--form', [CompletionResultType]::ParameterName, 'Ask for what the flags leave out interactively (only on a terminal)')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Also write the definition to the products folder orch.toml names (products/ unless it says otherwise), as <name in lower case>.toml')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file or product')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;product;list' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;product;show' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;product;help' {
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load product definitions from files, printing a plan first')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one product from flags (or interactively with --form)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List products')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one product with its blocks and fields')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;product;help;load' {
            break
        }
        'orch;product;help;create' {
            break
        }
        'orch;product;help;list' {
            break
        }
        'orch;product;help;show' {
            break
        }
        'orch;product;help;help' {
            break
        }
        'orch;workflow' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the workflows of the project')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a workflow''s steps, including the ones its target adds')
            [CompletionResult]::new('form', 'form', [CompletionResultType]::ParameterValue, 'Print a workflow''s initial form as JSON Schema (pages in order)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint every product and workflow file')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Start a workflow and run it until it completes, suspends, waits or fails')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;workflow;list' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;workflow;show' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--mermaid', '--mermaid', [CompletionResultType]::ParameterName, 'Print a Mermaid flowchart')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;workflow;form' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;workflow;check' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;workflow;run' {
            [CompletionResult]::new('--subscription', '--subscription', [CompletionResultType]::ParameterName, 'The subscription to modify, validate or terminate (its id, or a unique prefix)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'An answer, key=value (repeatable; typed by the form''s field: 42, true, a,b for lists)')
            [CompletionResult]::new('--input-file', '--input-file', [CompletionResultType]::ParameterName, 'Answers as a JSON or TOML object in a file, or - for stdin')
            [CompletionResult]::new('--customer', '--customer', [CompletionResultType]::ParameterName, 'The customer of a new subscription (default: orch.toml''s default_customer, else "default")')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--form', '--form', [CompletionResultType]::ParameterName, 'Ask for missing answers interactively (only on a terminal)')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Print the process id and run on in the background')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Validate the answers, queue the process for a worker (`orch worker`) and exit')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;workflow;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the workflows of the project')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a workflow''s steps, including the ones its target adds')
            [CompletionResult]::new('form', 'form', [CompletionResultType]::ParameterValue, 'Print a workflow''s initial form as JSON Schema (pages in order)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint every product and workflow file')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Start a workflow and run it until it completes, suspends, waits or fails')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;workflow;help;list' {
            break
        }
        'orch;workflow;help;show' {
            break
        }
        'orch;workflow;help;form' {
            break
        }
        'orch;workflow;help;check' {
            break
        }
        'orch;workflow;help;run' {
            break
        }
        'orch;workflow;help;help' {
            break
        }
        'orch;process' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List processes, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a process: its steps, the failure and what to do next')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Re-run the failed or waiting step and continue')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Answer a suspended process''s input and continue')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop a process for good (one a live orch runs: ask that orch, and wait)')
            [CompletionResult]::new('skip', 'skip', [CompletionResultType]::ParameterValue, 'Mark the failed step as done by hand and continue')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Answer a callback step with its token (or report its progress)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;process;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only processes in these statuses (repeatable, or comma-separated)')
            [CompletionResult]::new('--workflow', '--workflow', [CompletionResultType]::ParameterName, 'Only runs of this workflow (its name)')
            [CompletionResult]::new('--subscription', '--subscription', [CompletionResultType]::ParameterName, 'Only processes of this subscription (its id)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only processes started at or after this time (RFC 3339, a day, or how long ago: 2h)')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Only the child processes of this process (its id, or a unique prefix of it)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many processes')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;show' {
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Print the state after this step and what the step changed')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Print the current state as JSON (with --step, the state after that step)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;retry' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Show what would run without running it')
            [CompletionResult]::new('--use-current', '--use-current', [CompletionResultType]::ParameterName, 'Use the workflow file as it is now instead of the definition the process started with')
            [CompletionResult]::new('--form', '--form', [CompletionResultType]::ParameterName, 'Ask for secrets the process needs again (else ORCH_SECRET_<NAME> is read)')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Hand the process to the workers instead of running it here')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;resume' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'An answer, key=value (repeatable; typed by the form''s field: 42, true, a,b for lists)')
            [CompletionResult]::new('--input-file', '--input-file', [CompletionResultType]::ParameterName, 'Answers as a JSON or TOML object in a file, or - for stdin')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--form', '--form', [CompletionResultType]::ParameterName, 'Ask for missing answers interactively (only on a terminal)')
            [CompletionResult]::new('--use-current', '--use-current', [CompletionResultType]::ParameterName, 'Use the workflow file as it is now instead of the definition the process started with')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Record the answer and hand the process to the workers instead of running it here')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;abort' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for the orch that runs the process to abort it: the default covers a lease renewal of the default 15s lease and a step''s grace (5s)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Only record the request on a running process, and return at once')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;skip' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Add key=value to the state (repeatable); a dotted key sets inside an object')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;callback' {
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'The token the callback step handed out')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'A field of the answer, key=value (repeatable; numbers, booleans and JSON are taken as such)')
            [CompletionResult]::new('--input-file', '--input-file', [CompletionResultType]::ParameterName, 'The answer as a JSON or TOML object in a file, or - for stdin')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Record progress (a `step.progress` event with this message) without answering')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Record the answer and hand the process to the workers instead of running it here')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;process;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List processes, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a process: its steps, the failure and what to do next')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Re-run the failed or waiting step and continue')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Answer a suspended process''s input and continue')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop a process for good (one a live orch runs: ask that orch, and wait)')
            [CompletionResult]::new('skip', 'skip', [CompletionResultType]::ParameterValue, 'Mark the failed step as done by hand and continue')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Answer a callback step with its token (or report its progress)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;process;help;list' {
            break
        }
        'orch;process;help;show' {
            break
        }
        'orch;process;help;retry' {
            break
        }
        'orch;process;help;resume' {
            break
        }
        'orch;process;help;abort' {
            break
        }
        'orch;process;help;skip' {
            break
        }
        'orch;process;help;callback' {
            break
        }
        'orch;process;help;help' {
            break
        }
        'orch;subscription' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List subscriptions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a subscription: its fields, relations and the processes that touched it')
            [CompletionResult]::new('workflows', 'workflows', [CompletionResultType]::ParameterValue, 'Every workflow for the subscription''s product, with whether it can run now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;subscription;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only these lifecycle states (repeatable, or comma-separated)')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'Only subscriptions of this product (name or tag)')
            [CompletionResult]::new('--customer', '--customer', [CompletionResultType]::ParameterName, 'Only this customer''s subscriptions')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Words that must all appear in the description or a field value (prefixes match)')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'A block field''s value, e.g. node.role=core (repeatable; all must match)')
            [CompletionResult]::new('--insync', '--insync', [CompletionResultType]::ParameterName, 'Only subscriptions that are in sync (true) or out of sync (false)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many subscriptions')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Skip this many (for paging)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;subscription;show' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--tree', '--tree', [CompletionResultType]::ParameterName, 'Draw the block tree')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;subscription;workflows' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;subscription;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List subscriptions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a subscription: its fields, relations and the processes that touched it')
            [CompletionResult]::new('workflows', 'workflows', [CompletionResultType]::ParameterValue, 'Every workflow for the subscription''s product, with whether it can run now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;subscription;help;list' {
            break
        }
        'orch;subscription;help;show' {
            break
        }
        'orch;subscription;help;workflows' {
            break
        }
        'orch;subscription;help;help' {
            break
        }
        'orch;events' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events after this sequence number (with --consumer: move the consumer here)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only these kinds; globs like `process.*` (repeatable or comma-separated)')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'Only events of this process (id or unique prefix)')
            [CompletionResult]::new('--subscription', '--subscription', [CompletionResultType]::ParameterName, 'Only events of this subscription')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many events (with --follow: stop after them)')
            [CompletionResult]::new('--consumer', '--consumer', [CompletionResultType]::ParameterName, 'Remember where this named consumer stopped and resume there next time')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run this command (sh -c, in the project folder) for each event, the event JSON on stdin')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing events as they commit, until Ctrl-C or SIGTERM')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing events as they commit, until Ctrl-C or SIGTERM')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('consumers', 'consumers', [CompletionResultType]::ParameterValue, 'List named consumers, where they stand and how far behind they are')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;events;consumers' {
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Forget this consumer (a reader using the name again starts from the beginning)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;events;help' {
            [CompletionResult]::new('consumers', 'consumers', [CompletionResultType]::ParameterValue, 'List named consumers, where they stand and how far behind they are')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;events;help;consumers' {
            break
        }
        'orch;events;help;help' {
            break
        }
        'orch;task' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the project''s tasks and the built-in ones, with their schedules')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a task now (the options and exit codes of `workflow run`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;task;list' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;task;run' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'An answer, key=value (repeatable; typed by the form''s field: 42, true, a,b for lists)')
            [CompletionResult]::new('--input-file', '--input-file', [CompletionResultType]::ParameterName, 'Answers as a JSON or TOML object in a file, or - for stdin')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--form', '--form', [CompletionResultType]::ParameterName, 'Ask for missing answers interactively (only on a terminal)')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Print the process id and run on in the background')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Validate the answers, queue the process for a worker (`orch worker`) and exit')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;task;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the project''s tasks and the built-in ones, with their schedules')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a task now (the options and exit codes of `workflow run`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;task;help;list' {
            break
        }
        'orch;task;help;run' {
            break
        }
        'orch;task;help;help' {
            break
        }
        'orch;schedule' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the scheduled tasks with their last and next run (times in UTC)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;schedule;list' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;schedule;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the scheduled tasks with their last and next run (times in UTC)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;schedule;help;list' {
            break
        }
        'orch;schedule;help;help' {
            break
        }
        'orch;scheduler' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;scheduler;run' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Run what is due now, then exit (for cron or CI)')
            [CompletionResult]::new('--no-retry-waiting', '--no-retry-waiting', [CompletionResultType]::ParameterName, 'Leave waiting processes alone')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;scheduler;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;scheduler;help;run' {
            break
        }
        'orch;scheduler;help;help' {
            break
        }
        'orch;worker' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'How many processes it runs at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many processes it runs at once')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'How long its lease on a process lasts; another worker takes a process over once it ran out (renewed every third of it)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long running steps get to finish when it stops, before they are stopped')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Run what is runnable now (and what it leads to), then exit')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The workers that run or are stopping, and those that stopped or died in the last hour')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;worker;list' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;worker;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The workers that run or are stopping, and those that stopped or died in the last hour')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;worker;help;list' {
            break
        }
        'orch;worker;help;help' {
            break
        }
        'orch;engine' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop every new step: running steps finish and commit, their processes wait')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let work continue: workers pick the paused processes up again')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say whether the engine runs, is pausing (steps still running) or is paused')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;engine;pause' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;engine;resume' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;engine;status' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;engine;help' {
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop every new step: running steps finish and commit, their processes wait')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let work continue: workers pick the paused processes up again')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say whether the engine runs, is pausing (steps still running) or is paused')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;engine;help;pause' {
            break
        }
        'orch;engine;help;resume' {
            break
        }
        'orch;engine;help;status' {
            break
        }
        'orch;engine;help;help' {
            break
        }
        'orch;locks' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on (port 0: any free port)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many processes the worker runs at once')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'How long its worker''s lease on a process lasts; another worker takes a process over once it ran out (renewed every third of it)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long running steps get to finish when it stops, before they are stopped')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('--no-worker', '--no-worker', [CompletionResultType]::ParameterName, 'Run no worker here: processes started through the API wait for `orch worker`')
            [CompletionResult]::new('--no-auth', '--no-auth', [CompletionResultType]::ParameterName, 'Take requests without a token (only on a loopback address)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;token' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a token and print it (once: only its hash is stored)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens (names, roles, when made and revoked; never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: requests carrying it are refused from now on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;token;create' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'What it may do: `read` only reads; `operate` also starts and acts on processes')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;token;list' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;token;revoke' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;token;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a token and print it (once: only its hash is stored)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens (names, roles, when made and revoked; never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: requests carrying it are refused from now on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;token;help;create' {
            break
        }
        'orch;token;help;list' {
            break
        }
        'orch;token;help;revoke' {
            break
        }
        'orch;token;help;help' {
            break
        }
        'orch;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of data on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who runs the command, recorded in the log (default: the OS user)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (stream step output with -v)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'orch;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create an empty project: orch.toml, products/, workflows/ and the database')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'The database: apply migrations, show status, check for damage, back up')
            [CompletionResult]::new('product', 'product', [CompletionResultType]::ParameterValue, 'Product definitions: load, create, list, show')
            [CompletionResult]::new('workflow', 'workflow', [CompletionResultType]::ParameterValue, 'Workflows: list, show, check, run')
            [CompletionResult]::new('process', 'process', [CompletionResultType]::ParameterValue, 'Processes: list, show, retry, resume, abort, skip')
            [CompletionResult]::new('subscription', 'subscription', [CompletionResultType]::ParameterValue, 'Subscriptions: list, show, the workflows that can run on one')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Events: list, follow as they commit, feed named consumers')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Tasks (system workflows and the built-in ones): list, run')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Schedules of tasks: list')
            [CompletionResult]::new('scheduler', 'scheduler', [CompletionResultType]::ParameterValue, 'The scheduler: run due tasks and retry waiting processes')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Workers: run queued processes, many at once; list the workers')
            [CompletionResult]::new('engine', 'engine', [CompletionResultType]::ParameterValue, 'The engine switch: pause every new step, resume, status')
            [CompletionResult]::new('locks', 'locks', [CompletionResultType]::ParameterValue, 'Locks on shared resources: who holds each, since when, who waits for it')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the JSON API and the dashboard, with a worker')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Tokens of the API and the dashboard: create, list, revoke')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'orch;help;init' {
            break
        }
        'orch;help;db' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (orch also does this on first use)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the database path, schema version and counts')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the database for damage and say what is wrong (exit 1 when damaged)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the database to FILE, also while orch runs')
            break
        }
        'orch;help;db;migrate' {
            break
        }
        'orch;help;db;status' {
            break
        }
        'orch;help;db;check' {
            break
        }
        'orch;help;db;backup' {
            break
        }
        'orch;help;product' {
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load product definitions from files, printing a plan first')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create one product from flags (or interactively with --form)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List products')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one product with its blocks and fields')
            break
        }
        'orch;help;product;load' {
            break
        }
        'orch;help;product;create' {
            break
        }
        'orch;help;product;list' {
            break
        }
        'orch;help;product;show' {
            break
        }
        'orch;help;workflow' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the workflows of the project')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a workflow''s steps, including the ones its target adds')
            [CompletionResult]::new('form', 'form', [CompletionResultType]::ParameterValue, 'Print a workflow''s initial form as JSON Schema (pages in order)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint every product and workflow file')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Start a workflow and run it until it completes, suspends, waits or fails')
            break
        }
        'orch;help;workflow;list' {
            break
        }
        'orch;help;workflow;show' {
            break
        }
        'orch;help;workflow;form' {
            break
        }
        'orch;help;workflow;check' {
            break
        }
        'orch;help;workflow;run' {
            break
        }
        'orch;help;process' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List processes, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a process: its steps, the failure and what to do next')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Re-run the failed or waiting step and continue')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Answer a suspended process''s input and continue')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Stop a process for good (one a live orch runs: ask that orch, and wait)')
            [CompletionResult]::new('skip', 'skip', [CompletionResultType]::ParameterValue, 'Mark the failed step as done by hand and continue')
            [CompletionResult]::new('callback', 'callback', [CompletionResultType]::ParameterValue, 'Answer a callback step with its token (or report its progress)')
            break
        }
        'orch;help;process;list' {
            break
        }
        'orch;help;process;show' {
            break
        }
        'orch;help;process;retry' {
            break
        }
        'orch;help;process;resume' {
            break
        }
        'orch;help;process;abort' {
            break
        }
        'orch;help;process;skip' {
            break
        }
        'orch;help;process;callback' {
            break
        }
        'orch;help;subscription' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List subscriptions, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a subscription: its fields, relations and the processes that touched it')
            [CompletionResult]::new('workflows', 'workflows', [CompletionResultType]::ParameterValue, 'Every workflow for the subscription''s product, with whether it can run now')
            break
        }
        'orch;help;subscription;list' {
            break
        }
        'orch;help;subscription;show' {
            break
        }
        'orch;help;subscription;workflows' {
            break
        }
        'orch;help;events' {
            [CompletionResult]::new('consumers', 'consumers', [CompletionResultType]::ParameterValue, 'List named consumers, where they stand and how far behind they are')
            break
        }
        'orch;help;events;consumers' {
            break
        }
        'orch;help;task' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the project''s tasks and the built-in ones, with their schedules')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a task now (the options and exit codes of `workflow run`)')
            break
        }
        'orch;help;task;list' {
            break
        }
        'orch;help;task;run' {
            break
        }
        'orch;help;schedule' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the scheduled tasks with their last and next run (times in UTC)')
            break
        }
        'orch;help;schedule;list' {
            break
        }
        'orch;help;scheduler' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM')
            break
        }
        'orch;help;scheduler;run' {
            break
        }
        'orch;help;worker' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The workers that run or are stopping, and those that stopped or died in the last hour')
            break
        }
        'orch;help;worker;list' {
            break
        }
        'orch;help;engine' {
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop every new step: running steps finish and commit, their processes wait')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Let work continue: workers pick the paused processes up again')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Say whether the engine runs, is pausing (steps still running) or is paused')
            break
        }
        'orch;help;engine;pause' {
            break
        }
        'orch;help;engine;resume' {
            break
        }
        'orch;help;engine;status' {
            break
        }
        'orch;help;locks' {
            break
        }
        'orch;help;serve' {
            break
        }
        'orch;help;token' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a token and print it (once: only its hash is stored)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens (names, roles, when made and revoked; never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: requests carrying it are refused from now on')
            break
        }
        'orch;help;token;create' {
            break
        }
        'orch;help;token;list' {
            break
        }
        'orch;help;token;revoke' {
            break
        }
        'orch;help;completions' {
            break
        }
        'orch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

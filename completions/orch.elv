
use builtin;
use str;

set edit:completion:arg-completer[orch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'orch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'orch'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create an empty project: orch.toml, products/, workflows/ and the database'
            cand db 'The database: apply migrations, show status, check for damage, back up'
            cand product 'Product definitions: load, create, list, show'
            cand workflow 'Workflows: list, show, check, run'
            cand process 'Processes: list, show, retry, resume, abort, skip'
            cand subscription 'Subscriptions: list, show, the workflows that can run on one'
            cand events 'Events: list, follow as they commit, feed named consumers'
            cand task 'Tasks (system workflows and the built-in ones): list, run'
            cand schedule 'Schedules of tasks: list'
            cand scheduler 'The scheduler: run due tasks and retry waiting processes'
            cand worker 'Workers: run queued processes, many at once; list the workers'
            cand engine 'The engine switch: pause every new step, resume, status'
            cand locks 'Locks on shared resources: who holds each, since when, who waits for it'
            cand serve 'Serve the JSON API and the dashboard, with a worker'
            cand token 'Tokens of the API and the dashboard: create, list, revoke'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;init'= {
            cand --default-customer 'The customer of new subscriptions when --customer is not given'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;db'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand migrate 'Apply pending schema migrations (orch also does this on first use)'
            cand status 'Show the database path, schema version and counts'
            cand check 'Check the database for damage and say what is wrong (exit 1 when damaged)'
            cand backup 'Write a consistent copy of the database to FILE, also while orch runs'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;db;migrate'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;db;status'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;db;check'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;db;backup'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --force 'Replace FILE if it exists'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;db;help'= {
            cand migrate 'Apply pending schema migrations (orch also does this on first use)'
            cand status 'Show the database path, schema version and counts'
            cand check 'Check the database for damage and say what is wrong (exit 1 when damaged)'
            cand backup 'Write a consistent copy of the database to FILE, also while orch runs'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;db;help;migrate'= {
        }
        &'orch;db;help;status'= {
        }
        &'orch;db;help;check'= {
        }
        &'orch;db;help;backup'= {
        }
        &'orch;db;help;help'= {
        }
        &'orch;product'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand load 'Load product definitions from files, printing a plan first'
            cand create 'Create one product from flags (or interactively with --form)'
            cand list 'List products'
            cand show 'Show one product with its blocks and fields'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;product;load'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --force 'Apply changes that would invalidate existing subscriptions'
            cand --prune 'Remove products that are in the database but not in the files'
            cand --dry-run 'Print the plan without applying it'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;product;create'= {
            cand --name 'Unique product name'
            cand --type 'Product type'
            cand --tag 'Tag that workflows attach to'
            cand --description 'What the product is (default: empty)'
            cand --status 'active, pre production, phase out or end of life (default: active)'
            cand --fixed-input 'A fixed input, key=value (repeatable)'
            cand --root-key 'Key of the block tree in subscriptions (default: the tag in lower case)'
            cand --root-block 'Name of the root block (default: <Name>Block)'
            cand --field 'A field of the root block: NAME:TYPE[:REQUIRED], TYPE one of string, int, float, bool, ipv4, ipv6, ipv4_network, ipv6_network, uuid, json, enum(a|b), subscription(TAG) (`subscription()`: of any product); append [] for a list (repeatable)'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --form 'Ask for what the flags leave out interactively (only on a terminal)'
            cand --save 'Also write the definition to the products folder orch.toml names (products/ unless it says otherwise), as <name in lower case>.toml'
            cand --force 'Overwrite an existing file or product'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;product;list'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;product;show'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;product;help'= {
            cand load 'Load product definitions from files, printing a plan first'
            cand create 'Create one product from flags (or interactively with --form)'
            cand list 'List products'
            cand show 'Show one product with its blocks and fields'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;product;help;load'= {
        }
        &'orch;product;help;create'= {
        }
        &'orch;product;help;list'= {
        }
        &'orch;product;help;show'= {
        }
        &'orch;product;help;help'= {
        }
        &'orch;workflow'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List the workflows of the project'
            cand show 'Show a workflow''s steps, including the ones its target adds'
            cand form 'Print a workflow''s initial form as JSON Schema (pages in order)'
            cand check 'Lint every product and workflow file'
            cand run 'Start a workflow and run it until it completes, suspends, waits or fails'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;workflow;list'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;workflow;show'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --mermaid 'Print a Mermaid flowchart'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;workflow;form'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;workflow;check'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;workflow;run'= {
            cand --subscription 'The subscription to modify, validate or terminate (its id, or a unique prefix)'
            cand --input 'An answer, key=value (repeatable; typed by the form''s field: 42, true, a,b for lists)'
            cand --input-file 'Answers as a JSON or TOML object in a file, or - for stdin'
            cand --customer 'The customer of a new subscription (default: orch.toml''s default_customer, else "default")'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --form 'Ask for missing answers interactively (only on a terminal)'
            cand --detach 'Print the process id and run on in the background'
            cand --queue 'Validate the answers, queue the process for a worker (`orch worker`) and exit'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;workflow;help'= {
            cand list 'List the workflows of the project'
            cand show 'Show a workflow''s steps, including the ones its target adds'
            cand form 'Print a workflow''s initial form as JSON Schema (pages in order)'
            cand check 'Lint every product and workflow file'
            cand run 'Start a workflow and run it until it completes, suspends, waits or fails'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;workflow;help;list'= {
        }
        &'orch;workflow;help;show'= {
        }
        &'orch;workflow;help;form'= {
        }
        &'orch;workflow;help;check'= {
        }
        &'orch;workflow;help;run'= {
        }
        &'orch;workflow;help;help'= {
        }
        &'orch;process'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List processes, newest first'
            cand show 'Show a process: its steps, the failure and what to do next'
            cand retry 'Re-run the failed or waiting step and continue'
            cand resume 'Answer a suspended process''s input and continue'
            cand abort 'Stop a process for good (one a live orch runs: ask that orch, and wait)'
            cand skip 'Mark the failed step as done by hand and continue'
            cand callback 'Answer a callback step with its token (or report its progress)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;process;list'= {
            cand --status 'Only processes in these statuses (repeatable, or comma-separated)'
            cand --workflow 'Only runs of this workflow (its name)'
            cand --subscription 'Only processes of this subscription (its id)'
            cand --since 'Only processes started at or after this time (RFC 3339, a day, or how long ago: 2h)'
            cand --parent 'Only the child processes of this process (its id, or a unique prefix of it)'
            cand --limit 'At most this many processes'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;show'= {
            cand --step 'Print the state after this step and what the step changed'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --state 'Print the current state as JSON (with --step, the state after that step)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;retry'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --plan 'Show what would run without running it'
            cand --use-current 'Use the workflow file as it is now instead of the definition the process started with'
            cand --form 'Ask for secrets the process needs again (else ORCH_SECRET_<NAME> is read)'
            cand --queue 'Hand the process to the workers instead of running it here'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;resume'= {
            cand --input 'An answer, key=value (repeatable; typed by the form''s field: 42, true, a,b for lists)'
            cand --input-file 'Answers as a JSON or TOML object in a file, or - for stdin'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --form 'Ask for missing answers interactively (only on a terminal)'
            cand --use-current 'Use the workflow file as it is now instead of the definition the process started with'
            cand --queue 'Record the answer and hand the process to the workers instead of running it here'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;abort'= {
            cand --wait 'How long to wait for the orch that runs the process to abort it: the default covers a lease renewal of the default 15s lease and a step''s grace (5s)'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --no-wait 'Only record the request on a running process, and return at once'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;skip'= {
            cand --set 'Add key=value to the state (repeatable); a dotted key sets inside an object'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;callback'= {
            cand --token 'The token the callback step handed out'
            cand --input 'A field of the answer, key=value (repeatable; numbers, booleans and JSON are taken as such)'
            cand --input-file 'The answer as a JSON or TOML object in a file, or - for stdin'
            cand --progress 'Record progress (a `step.progress` event with this message) without answering'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --queue 'Record the answer and hand the process to the workers instead of running it here'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;process;help'= {
            cand list 'List processes, newest first'
            cand show 'Show a process: its steps, the failure and what to do next'
            cand retry 'Re-run the failed or waiting step and continue'
            cand resume 'Answer a suspended process''s input and continue'
            cand abort 'Stop a process for good (one a live orch runs: ask that orch, and wait)'
            cand skip 'Mark the failed step as done by hand and continue'
            cand callback 'Answer a callback step with its token (or report its progress)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;process;help;list'= {
        }
        &'orch;process;help;show'= {
        }
        &'orch;process;help;retry'= {
        }
        &'orch;process;help;resume'= {
        }
        &'orch;process;help;abort'= {
        }
        &'orch;process;help;skip'= {
        }
        &'orch;process;help;callback'= {
        }
        &'orch;process;help;help'= {
        }
        &'orch;subscription'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List subscriptions, newest first'
            cand show 'Show a subscription: its fields, relations and the processes that touched it'
            cand workflows 'Every workflow for the subscription''s product, with whether it can run now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;subscription;list'= {
            cand --status 'Only these lifecycle states (repeatable, or comma-separated)'
            cand --product 'Only subscriptions of this product (name or tag)'
            cand --customer 'Only this customer''s subscriptions'
            cand --search 'Words that must all appear in the description or a field value (prefixes match)'
            cand --where 'A block field''s value, e.g. node.role=core (repeatable; all must match)'
            cand --insync 'Only subscriptions that are in sync (true) or out of sync (false)'
            cand --limit 'At most this many subscriptions'
            cand --offset 'Skip this many (for paging)'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;subscription;show'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --tree 'Draw the block tree'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;subscription;workflows'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;subscription;help'= {
            cand list 'List subscriptions, newest first'
            cand show 'Show a subscription: its fields, relations and the processes that touched it'
            cand workflows 'Every workflow for the subscription''s product, with whether it can run now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;subscription;help;list'= {
        }
        &'orch;subscription;help;show'= {
        }
        &'orch;subscription;help;workflows'= {
        }
        &'orch;subscription;help;help'= {
        }
        &'orch;events'= {
            cand --since 'Only events after this sequence number (with --consumer: move the consumer here)'
            cand --kind 'Only these kinds; globs like `process.*` (repeatable or comma-separated)'
            cand --process 'Only events of this process (id or unique prefix)'
            cand --subscription 'Only events of this subscription'
            cand --limit 'At most this many events (with --follow: stop after them)'
            cand --consumer 'Remember where this named consumer stopped and resume there next time'
            cand --exec 'Run this command (sh -c, in the project folder) for each event, the event JSON on stdin'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -f 'Keep printing events as they commit, until Ctrl-C or SIGTERM'
            cand --follow 'Keep printing events as they commit, until Ctrl-C or SIGTERM'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand consumers 'List named consumers, where they stand and how far behind they are'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;events;consumers'= {
            cand --remove 'Forget this consumer (a reader using the name again starts from the beginning)'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;events;help'= {
            cand consumers 'List named consumers, where they stand and how far behind they are'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;events;help;consumers'= {
        }
        &'orch;events;help;help'= {
        }
        &'orch;task'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List the project''s tasks and the built-in ones, with their schedules'
            cand run 'Run a task now (the options and exit codes of `workflow run`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;task;list'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;task;run'= {
            cand --input 'An answer, key=value (repeatable; typed by the form''s field: 42, true, a,b for lists)'
            cand --input-file 'Answers as a JSON or TOML object in a file, or - for stdin'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --form 'Ask for missing answers interactively (only on a terminal)'
            cand --detach 'Print the process id and run on in the background'
            cand --queue 'Validate the answers, queue the process for a worker (`orch worker`) and exit'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;task;help'= {
            cand list 'List the project''s tasks and the built-in ones, with their schedules'
            cand run 'Run a task now (the options and exit codes of `workflow run`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;task;help;list'= {
        }
        &'orch;task;help;run'= {
        }
        &'orch;task;help;help'= {
        }
        &'orch;schedule'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List the scheduled tasks with their last and next run (times in UTC)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;schedule;list'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;schedule;help'= {
            cand list 'List the scheduled tasks with their last and next run (times in UTC)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;schedule;help;list'= {
        }
        &'orch;schedule;help;help'= {
        }
        &'orch;scheduler'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand run 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;scheduler;run'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --once 'Run what is due now, then exit (for cron or CI)'
            cand --no-retry-waiting 'Leave waiting processes alone'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;scheduler;help'= {
            cand run 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;scheduler;help;run'= {
        }
        &'orch;scheduler;help;help'= {
        }
        &'orch;worker'= {
            cand -c 'How many processes it runs at once'
            cand --concurrency 'How many processes it runs at once'
            cand --lease 'How long its lease on a process lasts; another worker takes a process over once it ran out (renewed every third of it)'
            cand --grace 'How long running steps get to finish when it stops, before they are stopped'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --once 'Run what is runnable now (and what it leads to), then exit'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'The workers that run or are stopping, and those that stopped or died in the last hour'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;worker;list'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;worker;help'= {
            cand list 'The workers that run or are stopping, and those that stopped or died in the last hour'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;worker;help;list'= {
        }
        &'orch;worker;help;help'= {
        }
        &'orch;engine'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand pause 'Stop every new step: running steps finish and commit, their processes wait'
            cand resume 'Let work continue: workers pick the paused processes up again'
            cand status 'Say whether the engine runs, is pausing (steps still running) or is paused'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;engine;pause'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;engine;resume'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;engine;status'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;engine;help'= {
            cand pause 'Stop every new step: running steps finish and commit, their processes wait'
            cand resume 'Let work continue: workers pick the paused processes up again'
            cand status 'Say whether the engine runs, is pausing (steps still running) or is paused'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;engine;help;pause'= {
        }
        &'orch;engine;help;resume'= {
        }
        &'orch;engine;help;status'= {
        }
        &'orch;engine;help;help'= {
        }
        &'orch;locks'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;serve'= {
            cand --listen 'The address to listen on (port 0: any free port)'
            cand --concurrency 'How many processes the worker runs at once'
            cand --lease 'How long its worker''s lease on a process lasts; another worker takes a process over once it ran out (renewed every third of it)'
            cand --grace 'How long running steps get to finish when it stops, before they are stopped'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand --no-worker 'Run no worker here: processes started through the API wait for `orch worker`'
            cand --no-auth 'Take requests without a token (only on a loopback address)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;token'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Make a token and print it (once: only its hash is stored)'
            cand list 'List the tokens (names, roles, when made and revoked; never the tokens)'
            cand revoke 'Revoke a token: requests carrying it are refused from now on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;token;create'= {
            cand --role 'What it may do: `read` only reads; `operate` also starts and acts on processes'
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;token;list'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;token;revoke'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;token;help'= {
            cand create 'Make a token and print it (once: only its hash is stored)'
            cand list 'List the tokens (names, roles, when made and revoked; never the tokens)'
            cand revoke 'Revoke a token: requests carrying it are refused from now on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;token;help;create'= {
        }
        &'orch;token;help;list'= {
        }
        &'orch;token;help;revoke'= {
        }
        &'orch;token;help;help'= {
        }
        &'orch;completions'= {
            cand --dir 'Project folder (default: the nearest ancestor with orch.toml, else the current folder)'
            cand --db 'Database: a SQLite file or a PostgreSQL address (postgresql://…, host=… dbname=…) (default: orch.toml''s `db`, else orch.db in the project)'
            cand -o 'Output format of data on stdout'
            cand --output 'Output format of data on stdout'
            cand --color 'When to use colours (NO_COLOR is honoured with auto)'
            cand --user 'Who runs the command, recorded in the log (default: the OS user)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Print more detail (stream step output with -v)'
            cand --verbose 'Print more detail (stream step output with -v)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'orch;help'= {
            cand init 'Create an empty project: orch.toml, products/, workflows/ and the database'
            cand db 'The database: apply migrations, show status, check for damage, back up'
            cand product 'Product definitions: load, create, list, show'
            cand workflow 'Workflows: list, show, check, run'
            cand process 'Processes: list, show, retry, resume, abort, skip'
            cand subscription 'Subscriptions: list, show, the workflows that can run on one'
            cand events 'Events: list, follow as they commit, feed named consumers'
            cand task 'Tasks (system workflows and the built-in ones): list, run'
            cand schedule 'Schedules of tasks: list'
            cand scheduler 'The scheduler: run due tasks and retry waiting processes'
            cand worker 'Workers: run queued processes, many at once; list the workers'
            cand engine 'The engine switch: pause every new step, resume, status'
            cand locks 'Locks on shared resources: who holds each, since when, who waits for it'
            cand serve 'Serve the JSON API and the dashboard, with a worker'
            cand token 'Tokens of the API and the dashboard: create, list, revoke'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'orch;help;init'= {
        }
        &'orch;help;db'= {
            cand migrate 'Apply pending schema migrations (orch also does this on first use)'
            cand status 'Show the database path, schema version and counts'
            cand check 'Check the database for damage and say what is wrong (exit 1 when damaged)'
            cand backup 'Write a consistent copy of the database to FILE, also while orch runs'
        }
        &'orch;help;db;migrate'= {
        }
        &'orch;help;db;status'= {
        }
        &'orch;help;db;check'= {
        }
        &'orch;help;db;backup'= {
        }
        &'orch;help;product'= {
            cand load 'Load product definitions from files, printing a plan first'
            cand create 'Create one product from flags (or interactively with --form)'
            cand list 'List products'
            cand show 'Show one product with its blocks and fields'
        }
        &'orch;help;product;load'= {
        }
        &'orch;help;product;create'= {
        }
        &'orch;help;product;list'= {
        }
        &'orch;help;product;show'= {
        }
        &'orch;help;workflow'= {
            cand list 'List the workflows of the project'
            cand show 'Show a workflow''s steps, including the ones its target adds'
            cand form 'Print a workflow''s initial form as JSON Schema (pages in order)'
            cand check 'Lint every product and workflow file'
            cand run 'Start a workflow and run it until it completes, suspends, waits or fails'
        }
        &'orch;help;workflow;list'= {
        }
        &'orch;help;workflow;show'= {
        }
        &'orch;help;workflow;form'= {
        }
        &'orch;help;workflow;check'= {
        }
        &'orch;help;workflow;run'= {
        }
        &'orch;help;process'= {
            cand list 'List processes, newest first'
            cand show 'Show a process: its steps, the failure and what to do next'
            cand retry 'Re-run the failed or waiting step and continue'
            cand resume 'Answer a suspended process''s input and continue'
            cand abort 'Stop a process for good (one a live orch runs: ask that orch, and wait)'
            cand skip 'Mark the failed step as done by hand and continue'
            cand callback 'Answer a callback step with its token (or report its progress)'
        }
        &'orch;help;process;list'= {
        }
        &'orch;help;process;show'= {
        }
        &'orch;help;process;retry'= {
        }
        &'orch;help;process;resume'= {
        }
        &'orch;help;process;abort'= {
        }
        &'orch;help;process;skip'= {
        }
        &'orch;help;process;callback'= {
        }
        &'orch;help;subscription'= {
            cand list 'List subscriptions, newest first'
            cand show 'Show a subscription: its fields, relations and the processes that touched it'
            cand workflows 'Every workflow for the subscription''s product, with whether it can run now'
        }
        &'orch;help;subscription;list'= {
        }
        &'orch;help;subscription;show'= {
        }
        &'orch;help;subscription;workflows'= {
        }
        &'orch;help;events'= {
            cand consumers 'List named consumers, where they stand and how far behind they are'
        }
        &'orch;help;events;consumers'= {
        }
        &'orch;help;task'= {
            cand list 'List the project''s tasks and the built-in ones, with their schedules'
            cand run 'Run a task now (the options and exit codes of `workflow run`)'
        }
        &'orch;help;task;list'= {
        }
        &'orch;help;task;run'= {
        }
        &'orch;help;schedule'= {
            cand list 'List the scheduled tasks with their last and next run (times in UTC)'
        }
        &'orch;help;schedule;list'= {
        }
        &'orch;help;scheduler'= {
            cand run 'Run due tasks and retry waiting processes until Ctrl-C or SIGTERM'
        }
        &'orch;help;scheduler;run'= {
        }
        &'orch;help;worker'= {
            cand list 'The workers that run or are stopping, and those that stopped or died in the last hour'
        }
        &'orch;help;worker;list'= {
        }
        &'orch;help;engine'= {
            cand pause 'Stop every new step: running steps finish and commit, their processes wait'
            cand resume 'Let work continue: workers pick the paused processes up again'
            cand status 'Say whether the engine runs, is pausing (steps still running) or is paused'
        }
        &'orch;help;engine;pause'= {
        }
        &'orch;help;engine;resume'= {
        }
        &'orch;help;engine;status'= {
        }
        &'orch;help;locks'= {
        }
        &'orch;help;serve'= {
        }
        &'orch;help;token'= {
            cand create 'Make a token and print it (once: only its hash is stored)'
            cand list 'List the tokens (names, roles, when made and revoked; never the tokens)'
            cand revoke 'Revoke a token: requests carrying it are refused from now on'
        }
        &'orch;help;token;create'= {
        }
        &'orch;help;token;list'= {
        }
        &'orch;help;token;revoke'= {
        }
        &'orch;help;completions'= {
        }
        &'orch;help;help'= {
        }
    ]
    $completions[$command]
}

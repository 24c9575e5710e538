# fish completion for pizauth(1).
#
# Completes commands, options (before or after the account, as pizauth
# reads them), configuration files after -c and --ca-file, and account
# names after show, refresh, revoke, complete and test: from `pizauth
# status` when a server answers, else from the account "NAME" lines of the
# default configuration file. It never starts a server, whatever
# PIZAUTH_AUTOSTART says.

# Prints the account names, one per line.
function __pizauth_accounts
    set -l out
    if command -q pizauth; and set out (env PIZAUTH_AUTOSTART= pizauth status 2>/dev/null); and test (count $out) -gt 0
        # Each line is "NAME: STATE"; a name may itself contain ": ".
        printf '%s\n' $out | awk '{ i = index($0, ": "); if (i > 1) print substr($0, 1, i - 1) }'
        return
    end
    set -l conf $HOME/.config/pizauth.conf
    if string match -q -- '/*' "$XDG_CONFIG_HOME"
        set conf $XDG_CONFIG_HOME/pizauth.conf
    end
    test -r $conf; or return
    sed -nE 's/^[[:space:]]*account[[:space:]]+"(([^"\\\\]|\\\\.)*)".*/\1/p' $conf |
        sed -E 's/\\\\(.)/\1/g'
end

# True when the command line is "pizauth CMD [options]" with CMD one of the
# arguments and no operand yet.
function __pizauth_needs_account
    set -l words (commandline -opc)
    test (count $words) -ge 2; or return 1
    contains -- $words[2] $argv; or return 1
    set -l skip 0
    for w in $words[3..-1]
        if test $skip -eq 1
            set skip 0 # the argument of the option before
        else if contains -- $w -c --sasl --user --min-valid --imap --pop --smtp --ca-file
            set skip 1
        else if not string match -q -- '-*' $w
            return 1
        end
    end
    return 0
end

set -l commands complete dump help info refresh reload restore revoke server show shutdown status test

complete -c pizauth -f
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a complete -d 'Finish a login with the address the browser was sent to'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a dump -d 'Write the token state to stdout'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show the usage'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a info -d 'Show version, paths and ports'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a refresh -d "Refresh an account's token now"
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a reload -d 'Re-read the configuration'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a restore -d 'Restore a dump from stdin'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a revoke -d "Forget an account's tokens"
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a server -d 'Start the server'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a show -d "Print an account's access token"
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a shutdown -d 'Stop the server'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a status -d "Show every account's state"
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -a test -d "Log in to mail servers with an account's token"
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -l help -s h -d 'Show the usage'
complete -c pizauth -n "not __fish_seen_subcommand_from $commands" -l version -s V -d 'Show the version'

# True when one of the options given (-u, --wait) is already on the
# command line, alone, grouped (-du) or with an attached value (--wait=5m).
function __pizauth_given
    set -l words (commandline -opc)
    for w in $words[3..-1]
        for o in $argv
            if test "$w" = $o; or string match -q -- "$o=*" $w
                return 0
            end
            if string match -qr -- '^-[^-]$' $o; and string match -qr -- '^-[^-]' $w
                and string match -q -- "*"(string sub -s 2 $o)"*" (string sub -s 2 $w)
                return 0
            end
        end
    end
    return 1
end

# Options before or after the account; a flag only once (pizauth refuses
# any but -v given twice).
complete -c pizauth -n '__fish_seen_subcommand_from show refresh test; and not __pizauth_given -u' -s u -d 'Leave the URL out of the error message'
complete -c pizauth -n '__pizauth_needs_account show refresh revoke complete test' -a '(__pizauth_accounts)' -d Account
complete -c pizauth -n '__fish_seen_subcommand_from show; and not __pizauth_given --auto-start' -l auto-start -d 'Start the server if none is running'
complete -c pizauth -n '__fish_seen_subcommand_from show; and not __pizauth_given --wait' -l wait -d 'Wait for a token (--wait=DURATION, default 5m)'
complete -c pizauth -n '__fish_seen_subcommand_from show' -l min-valid -x -d 'Print only a token valid this much longer'
complete -c pizauth -n '__fish_seen_subcommand_from show' -l sasl -x -a 'xoauth2 oauthbearer' -d 'Print the SASL initial response'
complete -c pizauth -n '__fish_seen_subcommand_from show' -l user -x -d 'User (email address) for --sasl'
complete -c pizauth -n '__fish_seen_subcommand_from info status; and not __pizauth_given -j' -s j -d 'Print JSON'
complete -c pizauth -n '__fish_seen_subcommand_from info server' -s c -r -F -d 'Configuration file'
complete -c pizauth -n '__fish_seen_subcommand_from server; and not __pizauth_given -d' -s d -d 'Stay in the foreground'
complete -c pizauth -n '__fish_seen_subcommand_from server' -s v -d 'Log more (up to four times)'
complete -c pizauth -n '__fish_seen_subcommand_from test; and not __pizauth_given --imap' -l imap -x -d 'Log in by IMAP to HOST[:PORT]'
complete -c pizauth -n '__fish_seen_subcommand_from test; and not __pizauth_given --pop' -l pop -x -d 'Log in by POP3 to HOST[:PORT]'
complete -c pizauth -n '__fish_seen_subcommand_from test; and not __pizauth_given --smtp' -l smtp -x -d 'Log in by SMTP to HOST[:PORT]'
complete -c pizauth -n '__fish_seen_subcommand_from test; and not __pizauth_given --user' -l user -x -d 'User (email address) to log in as'
complete -c pizauth -n '__fish_seen_subcommand_from test' -l ca-file -r -F -d 'Trust the certificates in this PEM file'

# bash completion for pizauth(1).
#
# Completes commands, options (before or after the account, as pizauth
# reads them), configuration files after -c and --ca-file, and account
# names after show, refresh, revoke, complete and test: from `pizauth
# status` when a server answers, else from the account "NAME" lines of the
# default configuration file. It never starts a server, whatever
# PIZAUTH_AUTOSTART says.

# _pizauth_accounts prints the account names, one per line.
_pizauth_accounts() {
	local out conf
	if out=$(PIZAUTH_AUTOSTART= pizauth status 2>/dev/null) && [[ -n $out ]]; then
		# Each line is "NAME: STATE"; a name may itself contain ": ".
		printf '%s\n' "$out" | awk '{ i = index($0, ": "); if (i > 1) print substr($0, 1, i - 1) }'
		return
	fi
	if [[ $XDG_CONFIG_HOME == /* ]]; then
		conf=$XDG_CONFIG_HOME/pizauth.conf
	else
		conf=$HOME/.config/pizauth.conf
	fi
	[[ -r $conf ]] || return
	sed -nE 's/^[[:space:]]*account[[:space:]]+"(([^"\\]|\\.)*)".*/\1/p' "$conf" |
		sed -E 's/\\(.)/\1/g'
}

# _pizauth_words sets words and cword to the command line up to the cursor
# as pizauth reads it. Bash splits COMP_WORDS at the characters of
# COMP_WORDBREAKS too (--wait=5m is three words: --wait, =, 5m); words that
# nothing separates on the command line are joined again.
_pizauth_words() {
	local line=${COMP_LINE:0:COMP_POINT} rest w i
	words=() cword=-1
	for ((i = 0; i <= COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		rest=${line#"${line%%[![:space:]]*}"}
		if ((cword < 0 || ${#rest} != ${#line})); then
			words[++cword]=$w
		else
			words[cword]+=$w
		fi
		line=${rest#"$w"}
	done
}

# _pizauth_add adds the candidates, one per line on stdin (never a pipe:
# that would run it in a subshell), that start with
# $cur, quoted for the shell and without the part of $cur before bash's own
# current word (the "--sasl=" of "--sasl=x", which bash keeps).
_pizauth_add() {
	local c keep=${cur%"${COMP_WORDS[COMP_CWORD]}"} IFS=$'\n'
	while read -r c; do
		[[ $c == "$cur"* ]] || continue
		c=${c#"$keep"}
		if [[ $1 == quote ]]; then
			COMPREPLY+=("$(printf '%q' "$c")")
		else
			COMPREPLY+=("$c")
		fi
	done
}

# _pizauth_options_of prints a command's options, as pizauth(1) lists them.
_pizauth_options_of() {
	case $1 in
	info) echo "-c -j" ;;
	refresh) echo "-u" ;;
	server) echo "-c -d -v" ;;
	show) echo "-u --auto-start --wait --min-valid --sasl --user" ;;
	status) echo "-j" ;;
	test) echo "-u --imap --pop --smtp --user --ca-file" ;;
	esac
}

# _pizauth_unused_options prints, one per line, the options of command $1
# not yet on the command line: pizauth refuses any but -v given twice.
_pizauth_unused_options() {
	local o w i
	for o in $(_pizauth_options_of "$1"); do
		for ((i = 2; i < cword; i++)); do
			w=${words[i]}
			[[ $o != -v && ($w == "$o" || $w == "$o"=* || $o == -? && $w == -[!-]*"${o#-}"*) ]] && continue 2
		done
		printf '%s\n' "$o"
	done
}

_pizauth() {
	local words cword
	_pizauth_words
	local cur=${words[cword]} prev=${words[cword - 1]}
	local commands="complete dump help info refresh reload restore revoke server show shutdown status test"
	COMPREPLY=()
	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			_pizauth_add < <(printf '%s\n' --help --version -h -V)
		else
			_pizauth_add < <(printf '%s\n' $commands)
		fi
		return 0
	fi
	local cmd=${words[1]} i operands=0
	for ((i = 2; i < cword; i++)); do
		case ${words[i]} in
		-c | --sasl | --user | --min-valid | --imap | --pop | --smtp | --ca-file) ((i++)) ;; # the option's argument follows
		-*) ;;
		*) ((operands++)) ;;
		esac
	done
	case $prev,$cur in
	-c,* | *,--config=*)
		[[ $cmd == info || $cmd == server ]] || return 0
		compopt -o filenames 2>/dev/null
		_pizauth_add < <(compgen -f -- "${cur#--config=}" | sed "s|^|${cur%"${cur#--config=}"}|")
		return 0
		;;
	--ca-file,* | *,--ca-file=*)
		compopt -o filenames 2>/dev/null
		_pizauth_add < <(compgen -f -- "${cur#--ca-file=}" | sed "s|^|${cur%"${cur#--ca-file=}"}|")
		return 0
		;;
	--sasl,* | *,--sasl=*)
		local p=${cur%"${cur#--sasl=}"}
		_pizauth_add < <(printf '%s\n' "${p}xoauth2" "${p}oauthbearer")
		return 0
		;;
	--user,* | --min-valid,* | --imap,* | --pop,* | --smtp,* | *,--*=*)
		return 0 # an email address, a duration, a host[:port]
		;;
	esac
	if [[ $cur == -* ]]; then
		_pizauth_add < <(_pizauth_unused_options "$cmd")
	elif ((operands == 0)) && [[ $cmd == show || $cmd == refresh || $cmd == revoke || $cmd == complete || $cmd == test ]]; then
		_pizauth_add quote < <(_pizauth_accounts)
	fi
	return 0
}

complete -F _pizauth pizauth

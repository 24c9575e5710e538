# bash completion for pizauth(1).
#
# Completes commands, options, configuration files after `server -c`, and
# account names after show, refresh and revoke: from `pizauth status` when a
# server answers, else from the account "NAME" lines of the default
# configuration file.

# _pizauth_accounts prints the account names, one per line.
_pizauth_accounts() {
	local out conf
	if out=$(pizauth status 2>/dev/null) && [[ -n $out ]]; then
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

# _pizauth_complete_accounts adds the account names that start with $cur.
_pizauth_complete_accounts() {
	local name IFS=$'\n'
	for name in $(_pizauth_accounts); do
		[[ $name == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
	done
}

_pizauth() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="dump info refresh reload restore revoke server show shutdown status"
	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--help --version -h -V" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	local i operands=0
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --sasl | --user | --min-valid) ((i++)) ;; # the option's argument follows
		-*) ;;
		*) ((operands++)) ;;
		esac
	done
	case ${COMP_WORDS[1]} in
	show)
		if [[ $prev == --sasl ]]; then
			COMPREPLY=($(compgen -W "xoauth2 oauthbearer" -- "$cur"))
		elif [[ $prev == --user || $prev == --min-valid ]]; then
			: # an email address, a duration
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-u --auto-start --wait --min-valid --sasl --user" -- "$cur"))
		elif ((operands == 0)); then
			_pizauth_complete_accounts
		fi
		;;
	refresh)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-u" -- "$cur"))
		elif ((operands == 0)); then
			_pizauth_complete_accounts
		fi
		;;
	revoke)
		((operands == 0)) && [[ $cur != -* ]] && _pizauth_complete_accounts
		;;
	info | status)
		COMPREPLY=($(compgen -W "-j" -- "$cur"))
		;;
	server)
		if [[ $prev == -c ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		else
			COMPREPLY=($(compgen -W "-c -d -v" -- "$cur"))
		fi
		;;
	esac
	return 0
}

complete -F _pizauth pizauth

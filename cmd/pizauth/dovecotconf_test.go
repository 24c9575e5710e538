package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// dovecotUsers are the accounts Dovecot's processes run as.
type dovecotUsers struct {
	login, internal, group string // default_login_user, _internal_user, _internal_group
	mailUID, mailGID       int    // the mail user's, who owns the mailbox
}

// lookupDovecotUsers returns Debian's dovenull and dovecot and the nobody user
// when the test runs as root (imap-login and mail processes refuse root),
// else the test's own user for everything.
func lookupDovecotUsers() (dovecotUsers, error) {
	if os.Getuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return dovecotUsers{}, err
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return dovecotUsers{}, err
		}
		return dovecotUsers{login: u.Username, internal: u.Username, group: g.Name, mailUID: os.Getuid(), mailGID: os.Getgid()}, nil
	}
	for _, name := range []string{"dovenull", "dovecot"} {
		if _, err := user.Lookup(name); err != nil {
			return dovecotUsers{}, fmt.Errorf("dovecot as root needs the user %q (the dovecot-core package creates it): %w", name, err)
		}
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		return dovecotUsers{}, err
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	return dovecotUsers{login: "dovenull", internal: "dovecot", group: "dovecot", mailUID: uid, mailGID: gid}, nil
}

// writeMailbox creates the mail user's home with a Maildir holding one new
// message, owned by the mail user.
func (d *dovecot) writeMailbox(u dovecotUsers) error {
	home := filepath.Join(d.dir, "home")
	maildir := filepath.Join(home, "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(maildir, sub), 0o700); err != nil {
			return err
		}
	}
	msg := "From: someone@example.com\r\nTo: " + d.user + "\r\nSubject: hello from dovecot\r\n\r\nSynced by mbsync.\r\n"
	if err := os.WriteFile(filepath.Join(maildir, "new", "1.test"), []byte(msg), 0o600); err != nil {
		return err
	}
	return filepath.Walk(home, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, u.mailUID, u.mailGID)
	})
}

func (d *dovecot) config(u dovecotUsers) string {
	return fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
default_login_user = %[2]s
default_internal_user = %[3]s
default_internal_group = %[7]s
first_valid_uid = %[4]d
mail_location = maildir:~/Maildir
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %[1]s/oauth2.conf
}
userdb {
  driver = static
  args = uid=%[4]d gid=%[5]d home=%[1]s/home
}
# No chroots: they need root, and this is a test.
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[6]d
  }
  inet_listener imaps {
    port = 0
  }
}
`, d.dir, u.login, u.internal, u.mailUID, u.mailGID, d.port, u.group)
}

func (d *dovecot) oauth2Config() string {
	return fmt.Sprintf(`introspection_mode = post
introspection_url = %s/introspect
username_attribute = username
active_attribute = active
active_value = true
`, d.intro.URL)
}

module github.com/pizauth-go/pizauth

go 1.26.0

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/oauth2 v0.38.0
	golang.org/x/sys v0.50.0
)

require golang.org/x/tools v0.26.0 // indirect

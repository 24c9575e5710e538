module github.com/pizauth-go/pizauth

go 1.26.0

require (
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

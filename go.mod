module github.com/pizauth-go/pizauth

go 1.26

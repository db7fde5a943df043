module containers/step06-security

go 1.22

require (
	github.com/elastic/go-seccomp-bpf v1.4.0
	github.com/stretchr/testify v1.10.0
	github.com/vishvananda/netlink v1.3.0
	golang.org/x/sys v0.30.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/vishvananda/netns v0.0.4 // indirect
	golang.org/x/net v0.2.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

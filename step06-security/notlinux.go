//go:build !linux

package main

// Containers are made of Linux namespaces: this program builds only for
// GOOS=linux. Use the Vagrant VM (see README) on other systems.
var _ = thisProgramNeedsLinux_UseTheVagrantVM

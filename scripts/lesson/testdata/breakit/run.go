package main

const flags = 1

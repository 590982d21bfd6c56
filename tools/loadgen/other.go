package main

func runAnalytics(o opts, dir string) error { return nil }
func runLists(o opts, dir string) error     { return nil }
func runStartup(o opts, dir string) error   { return nil }
func runSeed(o opts, dir string) error      { return nil }

package nt

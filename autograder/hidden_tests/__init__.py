"""Hidden tests of the autograder (trusted side; never shipped to students).

A package so that the test modules get unique names beside the public tests.
"""

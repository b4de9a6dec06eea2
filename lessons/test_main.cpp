// test_main.cpp — the doctest runner for one lesson's exercise tests
// (`make exercise LESSON=NN` links it with lessons/NN-*/test.cpp and your exercise.cpp).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

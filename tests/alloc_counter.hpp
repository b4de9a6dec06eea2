// alloc_counter.hpp — how many times the global operator new has run (tests/main.cpp).
#pragma once
namespace glulab_test {
long heap_allocations();
}

// alloc_counter.hpp — how many heap allocations a program has made, to show that a training
// step makes none.
//
// Calling heap_allocations() links src/platform/alloc_counter.cpp, which replaces the global
// operator new and delete, in every form (plain, array, over-aligned, nothrow), with versions
// that count and then call malloc and free. A program that never calls it keeps the standard
// ones: the linker takes the file from libglulab.a only when something needs it. The unit
// tests (tests/test_alloc.cpp) and lesson 14's program use it.
//
// Lesson 14 · making it fast
#pragma once

namespace glulab {

// Heap allocations since the program started, by every thread.
long heap_allocations();

}  // namespace glulab

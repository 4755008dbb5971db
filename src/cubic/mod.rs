//! cubic kernel (work in progress).

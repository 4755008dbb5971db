//! closure kernel (work in progress).

//! power kernel (work in progress).

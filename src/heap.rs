//! The global allocator: mimalloc (the engine allocates small texts per
//! event; mimalloc makes W1 and W2 15-20 % faster and W3 10 % faster than
//! glibc's malloc, docs/performance.md), counting live and peak heap
//! bytes for `rulelab bench` (ruleset memory, flat memory while streaming). Counting is off
//! until [`enable`]: other commands pay one relaxed load per allocation;
//! the bench pays an uncontended add and compare (it is single-threaded, so
//! the peak needs no compare-and-swap).

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Counting;

/// Counters start high so that freeing memory allocated before [`enable`]
/// cannot take them below zero; only differences are meaningful.
const ORIGIN: usize = 1 << 40;
static LIVE: AtomicUsize = AtomicUsize::new(ORIGIN);
static PEAK: AtomicUsize = AtomicUsize::new(ORIGIN);
/// Allocations (alloc and realloc calls) since [`enable`].
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static ON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Starts counting (allocations made before are not tracked; measure
/// differences only).
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

#[inline]
fn grow(by: usize) {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    if now > PEAK.load(Ordering::Relaxed) {
        PEAK.store(now, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwards the caller's layout to mimalloc.
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() && ON.load(Ordering::Relaxed) {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { MiMalloc.dealloc(ptr, layout) };
        if ON.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as GlobalAlloc::realloc, forwarded.
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() && ON.load(Ordering::Relaxed) {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// Allocation calls counted so far (differences are meaningful).
pub fn allocations() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// Heap bytes in use now.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// The highest [`live`] since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// The highest heap counted since [`enable`] (allocations made before it
/// excluded), over the last [`reset_peak`] window.
pub fn peak_since_enable() -> usize {
    peak().saturating_sub(ORIGIN)
}

/// Starts a new peak measurement from the current live bytes.
pub fn reset_peak() {
    PEAK.store(live(), Ordering::Relaxed);
}

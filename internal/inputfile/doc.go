// Package inputfile opens the files a user names as inputs (datasets,
// weights, results) so that a hostile or unlucky path cannot hang or exhaust
// the command:
//
//   - [Open] refuses anything but a regular file (a FIFO, a device such as
//     /dev/zero, a socket, a folder) with a *[NotRegularError] naming it, and
//     does so without blocking: a FIFO is opened non-blocking, so no writer
//     is waited for, and checked on the opened descriptor, so a file swapped
//     after a check is caught too.
//   - [WithContext] makes a reader stop with the context's error at its next
//     read, so that reading a large input ends soon after Ctrl-C.
//   - [Interruptible] makes a reader stop with the context's error at once,
//     even in the middle of a read that waits for data (stdin on a silent
//     pipe or a terminal).
//
// Sizes are bounded by the callers, which know what a header declares; this
// package only guarantees that the size Stat reports is the size there is.
package inputfile

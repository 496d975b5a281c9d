/* SPDX-License-Identifier: Apache-2.0 */
/* GLib containers call the free functions they are given as GDestroyNotify, void (*) (gpointer). Calling a
 * typed free function such as void foo_free (Foo *) through that type is undefined behaviour in C (clang's
 * -fsanitize=function traps it), so a container gets a wrapper of the right type instead of a cast:
 *   EUICCD_DEFINE_DESTROY_NOTIFY (foo_free, Foo)   defines   static void foo_free_notify (gpointer data) */
#pragma once

#include <glib.h>

#define EUICCD_DEFINE_DESTROY_NOTIFY(func, Type)  \
  static G_GNUC_UNUSED void                       \
  func##_notify (gpointer data)                   \
  {                                               \
    func ((Type *) data);                         \
  }

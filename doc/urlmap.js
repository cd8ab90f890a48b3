// A map between namespaces and base URLs for their online documentation
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
  [ 'Gtk', 'https://docs.gtk.org/gtk4/' ],
]

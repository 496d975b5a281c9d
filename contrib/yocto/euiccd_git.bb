# SPDX-License-Identifier: Apache-2.0
# Yocto/OpenEmbedded recipe for euiccd. Needs meta-oe (libqmi, libmbim, cjson) and meta-networking (mbedtls),
# or any layers providing them. Put it in a layer as recipes-connectivity/euiccd/euiccd_git.bb.
SUMMARY = "eSIM IoT agent (SGP.32 IPA) for cellular modems"
DESCRIPTION = "euiccd polls the eSIM IoT remote manager (eIM) over HTTPS, applies the eUICC packages it \
receives through the modem's QMI or MBIM logical channels (or AT commands, or a PC/SC reader) and reports \
the results; euiccctl shows its state over D-Bus."
HOMEPAGE = "https://github.com/euiccd/euiccd"
BUGTRACKER = "https://github.com/euiccd/euiccd/issues"
SECTION = "net"
LICENSE = "Apache-2.0"
LIC_FILES_CHKSUM = "file://COPYING;md5=3b83ef96387f14655fc854ddc3c6bd57"

SRC_URI = "git://github.com/euiccd/euiccd.git;protocol=https;branch=main"
# Pin a commit for reproducible images; AUTOREV follows the branch.
SRCREV ?= "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

# glib-2.0-native: gdbus-codegen generates the D-Bus skeletons at build time.
DEPENDS = "glib-2.0 glib-2.0-native curl cjson mbedtls"

inherit autotools pkgconfig systemd useradd

# Members of "euiccd" administer the daemon: the bus policy and [Daemon] AdminGroup= (by default) name it.
USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system euiccd"

# Transports: QMI and MBIM cover most modules; PC/SC is for development readers and needs pcsc-lite (pcscd).
# AT commands are always built (no dependency).
PACKAGECONFIG ??= "qmi mbim"
PACKAGECONFIG[qmi] = "--with-qmi,--without-qmi,libqmi"
PACKAGECONFIG[mbim] = "--with-mbim,--without-mbim,libmbim"
PACKAGECONFIG[pcsc] = "--with-pcsc,--without-pcsc,pcsc-lite,pcsc-lite"

EXTRA_OECONF = " \
    ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', '--with-systemdsystemunitdir=${systemd_system_unitdir}', '--with-systemdsystemunitdir=no', d)} \
    --with-dbuspolicydir=${datadir}/dbus-1/system.d \
    --with-dbussystemservicedir=${datadir}/dbus-1/system-services \
"

SYSTEMD_SERVICE:${PN} = "euiccd.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

# The transports are modules in ${libdir}/euiccd/transports, one package each (with its modem library's
# dependency, found by the shlibs scan); AT comes with euiccd. An image installs the ones its modem needs.
PACKAGES =+ "${PN}-transport-qmi ${PN}-transport-mbim ${PN}-transport-pcsc"
FILES:${PN}-transport-qmi = "${libdir}/euiccd/transports/qmi.so"
FILES:${PN}-transport-mbim = "${libdir}/euiccd/transports/mbim.so"
FILES:${PN}-transport-pcsc = "${libdir}/euiccd/transports/pcsc.so"
RDEPENDS:${PN}-transport-qmi = "${PN}"
RDEPENDS:${PN}-transport-mbim = "${PN}"
RDEPENDS:${PN}-transport-pcsc = "${PN}"
RRECOMMENDS:${PN} = "${@' '.join('${PN}-transport-' + t for t in ('qmi', 'mbim', 'pcsc') if bb.utils.contains('PACKAGECONFIG', t, True, False, d))}"

FILES:${PN} += " \
    ${libdir}/euiccd/transports/at.so \
    ${libdir}/euiccd/modules/*.so \
    ${datadir}/dbus-1/system.d/org.euiccd.Euiccd1.conf \
    ${datadir}/dbus-1/system-services/org.euiccd.Euiccd1.service \
"
CONFFILES:${PN} = "${sysconfdir}/euiccd/euiccd.conf"

# The system bus carries the daemon's API; qmi-proxy and mbim-proxy (in the libqmi and libmbim packages) let it
# share the modem with ModemManager.
RDEPENDS:${PN} = "dbus"

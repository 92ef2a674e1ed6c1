#!/bin/sh
# Installs the Debian packages the document readers call, only those missing (idempotent):
#   catdoc            .doc and .rtf (0.7 MB; chosen over antiword and LibreOffice, see corpus/office.py)
#   tesseract-ocr     OCR of scans and photos
#   tesseract-ocr-vie Tesseract's Vietnamese model
#   poppler-utils     pdftoppm: PDF pages without a text layer rendered for OCR
#   fonts-dejavu-core a Vietnamese-capable font for eval/bench_ocr.py and the scan fixtures
# Runs as root (CI) or through sudo; never downloads anything outside the Debian archive.
set -eu

# package:file that shows it is installed
NEEDED="catdoc:/usr/bin/catdoc
tesseract-ocr:/usr/bin/tesseract
tesseract-ocr-vie:/usr/share/tesseract-ocr/5/tessdata/vie.traineddata
poppler-utils:/usr/bin/pdftoppm
fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

MISSING=""
for entry in $NEEDED; do
    package=${entry%%:*}
    file=${entry#*:}
    if [ ! -e "$file" ] && ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
        MISSING="$MISSING $package"
    fi
done

if [ -z "$MISSING" ]; then
    echo "ensure-system-packages: catdoc, tesseract-ocr (vie), poppler-utils, fonts-dejavu-core already installed"
    exit 0
fi

# shellcheck disable=SC2086  # one word per package
sh "$(dirname "$0")/apt-install.sh" ensure-system-packages --no-install-recommends $MISSING

//! A small PDF 1.7 writer for A4 sheets with Chinese text and vector shapes.
//!
//! Text uses the predefined CJK font `STSong-Light` with the predefined `UniGB-UCS2-H` CMap of the
//! Adobe-GB1 glyph collection. Strings are therefore UTF-16BE code units of the Basic Multilingual
//! Plane. The font is not embedded, so viewers substitute an installed CJK font: poppler needs
//! poppler-data for the CMap and a CJK font such as Noto CJK to draw the glyphs.
//! Each font also carries a `ToUnicode` CMap, so text extraction works without poppler-data.
//!
//! Coordinates are PDF points (1/72 inch) from the bottom-left corner of the page.

use std::fmt::Write as _;
use std::io::Write as _;

/// A4 width in points (210 mm).
pub const A4_WIDTH: f32 = 595.28;
/// A4 height in points (297 mm).
pub const A4_HEIGHT: f32 = 841.89;

/// Advance widths in 1/1000 em of the printable ASCII characters U+0020..=U+007E, declared in the
/// font dictionary and used for layout. They are the widths of Helvetica (Adobe's standard 14 font
/// metrics), close to the proportional Latin glyphs a viewer substitutes for STSong-Light.
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
];

/// Returns the advance width of a character in em: its Helvetica width for printable ASCII, 1 for
/// CJK and every other character.
pub fn char_em(c: char) -> f32 {
    match u32::from(c) {
        code @ 0x20..=0x7E => f32::from(ASCII_WIDTHS[(code - 0x20) as usize]) / 1000.0,
        0..0x20 => f32::from(ASCII_WIDTHS[0]) / 1000.0,
        _ => 1.0,
    }
}

/// Returns the font's `/W` array: Adobe-GB1 CIDs 1-95 (proportional Latin) and 814-908 (half-width
/// Latin) both get [`ASCII_WIDTHS`], because CMaps differ in which of the two ASCII maps to.
fn cid_widths() -> String {
    let widths: Vec<String> = ASCII_WIDTHS.iter().map(u16::to_string).collect();
    let widths = widths.join(" ");
    format!("[1 [{widths}] 814 [{widths}]]")
}

/// Returns the width of `text` in points at font size `size`.
pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(char_em).sum::<f32>() * size
}

/// Splits `text` into lines no wider than `max_width` points at `size`, breaking between characters.
/// Explicit newlines start new lines; an empty text gives one empty line.
pub fn wrap(text: &str, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut width = 0.0;
        for c in paragraph.chars() {
            let w = char_em(c) * size;
            if width + w > max_width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                width = 0.0;
            }
            line.push(c);
            width += w;
        }
        lines.push(line);
    }
    lines
}

/// One page's content stream.
#[derive(Debug, Default)]
pub struct Page {
    content: String,
}

/// Formats a coordinate with at most two decimals, the precision PDF viewers draw at.
fn num(value: f32) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{rounded:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Encodes text as a hex string of UTF-16BE code units. UCS-2 cannot carry characters outside the
/// Basic Multilingual Plane, so they become `?`, and control characters become a space.
fn encode_text(text: &str) -> String {
    let mut hex = String::with_capacity(text.len() * 4 + 2);
    hex.push('<');
    for c in text.chars() {
        let unit = match u32::from(c) {
            0..0x20 => 0x20,
            code @ 0x20..0x1_0000 if !(0xD800..0xE000).contains(&code) => code,
            _ => u32::from('?'),
        };
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

impl Page {
    /// Draws `text` with its baseline starting at (x, y).
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let _ = writeln!(
            self.content,
            "BT /F1 {} Tf {} {} Td {} Tj ET",
            num(size),
            num(x),
            num(y),
            encode_text(text)
        );
    }

    /// Draws `text` centred on `center_x`.
    pub fn text_centered(&mut self, center_x: f32, y: f32, size: f32, text: &str) {
        self.text(center_x - text_width(text, size) / 2.0, y, size, text);
    }

    /// Sets the fill colour to a grey level from 0 (black) to 1 (white).
    pub fn fill_gray(&mut self, level: f32) {
        let _ = writeln!(self.content, "{} g", num(level));
    }

    /// Fills a rectangle whose bottom-left corner is (x, y).
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32) {
        let _ = writeln!(
            self.content,
            "{} {} {} {} re f",
            num(x),
            num(y),
            num(width),
            num(height)
        );
    }

    /// Strokes a line 0.5 pt wide.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let _ = writeln!(
            self.content,
            "0.5 w {} {} m {} {} l S",
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    /// Strokes a rectangle outline 0.5 pt wide.
    pub fn stroke_rect(&mut self, x: f32, y: f32, width: f32, height: f32) {
        let _ = writeln!(
            self.content,
            "0.5 w {} {} {} {} re S",
            num(x),
            num(y),
            num(width),
            num(height)
        );
    }

    /// Draws a QR symbol as filled rectangles, `size` points square including the quiet zone, with
    /// its bottom-left corner at (x, y).
    pub fn qr(&mut self, matrix: &crate::qr::QrMatrix, x: f32, y: f32, size: f32) {
        let modules = (matrix.width + 2 * crate::qr::QUIET_ZONE) as f32;
        let unit = size / modules;
        self.fill_gray(1.0);
        self.fill_rect(x, y, size, size);
        self.fill_gray(0.0);
        let top = y + size;
        for (row, column, len) in matrix.dark_runs() {
            let left = x + (column + crate::qr::QUIET_ZONE) as f32 * unit;
            let bottom = top - (row + crate::qr::QUIET_ZONE + 1) as f32 * unit;
            let _ = writeln!(
                self.content,
                "{} {} {} {} re",
                num(left),
                num(bottom),
                num(len as f32 * unit),
                num(unit)
            );
        }
        self.content.push_str("f\n");
    }
}

/// A PDF being built, page by page.
#[derive(Debug, Default)]
pub struct PdfDocument {
    title: String,
    pages: Vec<Page>,
}

/// Builds the ToUnicode CMap, which maps every UCS-2 code except surrogates to the same Unicode scalar.
fn to_unicode_cmap() -> String {
    let ranges: Vec<u32> = (0..=0xFFu32)
        .filter(|high| !(0xD8..0xE0).contains(high))
        .collect();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /FoodPatrol-UCS2-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // A bfrange block holds at most 100 entries.
    for block in ranges.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfrange", block.len());
        for high in block {
            let _ = writeln!(cmap, "<{high:02X}00> <{high:02X}FF> <{high:02X}00>");
        }
        cmap.push_str("endbfrange\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .expect("compressing into memory succeeds");
    encoder.finish().expect("compressing into memory succeeds")
}

/// Encodes a text for the document information dictionary (UTF-16BE with a byte-order mark).
fn info_string(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(hex, "{unit:04X}");
    }
    hex.push('>');
    hex
}

impl PdfDocument {
    pub fn new(title: &str) -> PdfDocument {
        PdfDocument {
            title: title.to_owned(),
            pages: Vec::new(),
        }
    }

    /// Starts a new A4 page and returns it.
    pub fn add_page(&mut self) -> &mut Page {
        self.pages.push(Page::default());
        self.pages.last_mut().expect("a page was just added")
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Returns the current page, starting one if there is none.
    pub fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        self.pages.last_mut().expect("a page exists")
    }

    /// Serialises the document; a document without pages gets one blank page.
    pub fn finish(mut self) -> Vec<u8> {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        // Objects 1-6 are fixed; each page then takes two: the page and its content stream.
        let page_ids: Vec<usize> = (0..self.pages.len()).map(|i| 7 + 2 * i).collect();
        let mut objects: Vec<Vec<u8>> = Vec::new();
        objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                self.pages.len()
            )
            .into_bytes(),
        );
        objects.push(
            b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H \
              /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>"
                .to_vec(),
        );
        objects.push(
            format!(
                "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
                 /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> \
                 /FontDescriptor 5 0 R /DW 1000 /W {} >>",
                cid_widths()
            )
            .into_bytes(),
        );
        objects.push(
            b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] \
              /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
                .to_vec(),
        );
        objects.push(stream_object(to_unicode_cmap().as_bytes()));
        for (i, page) in self.pages.iter().enumerate() {
            let content_id = page_ids[i] + 1;
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
                     /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>",
                    num(A4_WIDTH),
                    num(A4_HEIGHT)
                )
                .into_bytes(),
            );
            objects.push(stream_object(page.content.as_bytes()));
        }
        let info_id = objects.len() + 1;
        objects
            .push(format!("<< /Title {} /Producer (FoodPatrol) >>", info_string(&self.title)).into_bytes());

        let mut out: Vec<u8> = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_at = out.len();
        let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(xref, "{offset:010} 00000 n ");
        }
        let _ = write!(
            xref,
            "trailer\n<< /Size {} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(xref.as_bytes());
        out
    }
}

fn stream_object(data: &[u8]) -> Vec<u8> {
    let compressed = deflate(data);
    let mut body = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        compressed.len()
    )
    .into_bytes();
    body.extend_from_slice(&compressed);
    body.extend_from_slice(b"\nendstream");
    body
}

/// A top-to-bottom layout on A4 pages with margins that starts a new page when content would
/// cross the bottom margin.
#[derive(Debug)]
pub struct FlowLayout {
    pub doc: PdfDocument,
    pub margin: f32,
    /// Baseline of the next line.
    pub y: f32,
    /// Text drawn at the top of every page after the first, such as the record's title.
    pub running_head: String,
}

impl FlowLayout {
    pub fn new(title: &str, margin: f32) -> FlowLayout {
        let mut doc = PdfDocument::new(title);
        doc.add_page();
        FlowLayout {
            doc,
            margin,
            y: A4_HEIGHT - margin,
            running_head: String::new(),
        }
    }

    /// Width between the margins.
    pub fn width(&self) -> f32 {
        A4_WIDTH - 2.0 * self.margin
    }

    /// Makes room for `height` points, starting a new page when the current one lacks it.
    pub fn reserve(&mut self, height: f32) {
        if self.y - height < self.margin {
            self.new_page();
        }
    }

    pub fn new_page(&mut self) {
        let head = self.running_head.clone();
        let margin = self.margin;
        let page = self.doc.add_page();
        if !head.is_empty() {
            page.fill_gray(0.4);
            page.text(margin, A4_HEIGHT - margin + 12.0, 8.0, &head);
            page.fill_gray(0.0);
        }
        self.y = A4_HEIGHT - margin;
    }

    /// Writes wrapped text from `x_offset` (points right of the left margin) within `width`.
    pub fn paragraph(&mut self, text: &str, size: f32, x_offset: f32, width: f32) {
        let leading = size * 1.45;
        for line in wrap(text, size, width) {
            self.reserve(leading);
            self.y -= leading;
            let x = self.margin + x_offset;
            let y = self.y + size * 0.3;
            self.doc.page().text(x, y, size, &line);
        }
    }

    /// Moves down by `height` points, or to a new page.
    pub fn space(&mut self, height: f32) {
        if self.y - height < self.margin {
            self.new_page();
        } else {
            self.y -= height;
        }
    }

    /// Writes a row of cells, each wrapped within its column. A row that does not fit moves to the
    /// next page whole, unless it is taller than a page, and then it breaks between lines.
    pub fn table_row(&mut self, cells: &[(&str, f32)], size: f32) {
        let leading = size * 1.45;
        let padding = 3.0;
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .map(|(text, width)| wrap(text, size, width - 2.0 * padding))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = lines as f32 * leading + 2.0 * padding;
        if height <= A4_HEIGHT - 2.0 * self.margin {
            self.reserve(height);
        }
        for line in 0..lines {
            self.reserve(leading);
            self.y -= leading;
            let mut x = self.margin;
            for (column, (_, width)) in wrapped.iter().zip(cells) {
                if let Some(text) = column.get(line) {
                    let baseline = self.y + size * 0.3;
                    self.doc.page().text(x + padding, baseline, size, text);
                }
                x += width;
            }
        }
        self.y -= 2.0 * padding;
        let y = self.y;
        let (left, right) = (self.margin, self.margin + cells.iter().map(|c| c.1).sum::<f32>());
        self.doc.page().line(left, y + padding, right, y + padding);
    }

    pub fn finish(self) -> Vec<u8> {
        self.doc.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_wide_text() {
        let lines = wrap("食品安全监督检查结果记录表", 10.0, 50.0);
        assert_eq!(lines, vec!["食品安全监", "督检查结果", "记录表"]);
        assert_eq!(wrap("JY112010", 10.0, 23.0), vec!["JY11", "2010"]);
    }

    #[test]
    fn wrap_keeps_newlines() {
        assert_eq!(wrap("a\nb", 10.0, 100.0), vec!["a", "b"]);
        assert_eq!(wrap("", 10.0, 100.0), vec![""]);
    }

    #[test]
    fn text_encoded_as_ucs2() {
        assert_eq!(encode_text("A中"), "<00414E2D>");
        assert_eq!(encode_text("😀"), "<003F>");
        assert_eq!(encode_text("\n"), "<0020>");
    }

    #[test]
    fn document_has_xref_and_pages() {
        let mut doc = PdfDocument::new("测试");
        doc.add_page().text(50.0, 800.0, 12.0, "你好");
        doc.add_page();
        let bytes = doc.finish();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("%PDF-1.7"));
        assert!(text.contains("/Count 2"));
        assert!(text.contains("/Encoding /UniGB-UCS2-H"));
        assert!(text.trim_end().ends_with("%%EOF"));
    }
}

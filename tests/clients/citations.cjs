// Reads {"documents": [{"bib", "ris", "csl"}], "styles": {"key": {"path", "form"}}} on stdin and writes, for
// each document, what citation-js makes of it: the BibTeX and the RIS parsed to CSL-JSON by its parsers, and
// the CSL-JSON rendered in each style by citeproc-js (the Citation Style Language's reference processor).
const { readFileSync } = require('node:fs')
const { Cite, plugins } = require('@citation-js/core')
require('@citation-js/plugin-bibtex')
require('@citation-js/plugin-ris')
require('@citation-js/plugin-csl')

const input = JSON.parse(readFileSync(0, 'utf8'))
const templates = plugins.config.get('@csl').styles
for (const [key, style] of Object.entries(input.styles)) {
  templates.add(key, readFileSync(style.path, 'utf8'))
}

const output = input.documents.map((document) => {
  const rendered = {}
  for (const [key, style] of Object.entries(input.styles)) {
    const cite = new Cite(document.csl)
    rendered[key] = cite.format(style.form === 'note' ? 'citation' : 'bibliography', {
      format: 'text', template: key, lang: 'en-US',
    }).trim()
  }
  return { bib: new Cite(document.bib).data, ris: new Cite(document.ris).data, rendered }
})
process.stdout.write(JSON.stringify(output))

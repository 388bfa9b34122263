import {
  createTheme,
  defaultVariantColorsResolver,
  parseThemeColor,
  type CSSVariablesResolver,
  type VariantColorsResolver,
} from '@mantine/core';

/** Text on light backgrounds for the colours whose darkest shade is still under 4.5:1 there. */
const DARK_TEXT: Record<string, string> = {
  yellow: '#6e4500',
  orange: '#9c3a07',
  green: '#1d6a2c',
  lime: '#3f6212',
  teal: '#066148',
};

/**
 * Every variant keeps a 4.5:1 contrast (WCAG AA) for its text: light, subtle and outline
 * variants draw text in the colour's darkest shade (or darker still), filled ones use a shade
 * dark enough for white text.
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({
    color: input.color ?? input.theme.primaryColor,
    theme: input.theme,
  });
  if (!parsed.isThemeColor || parsed.color === 'gray' || parsed.color === 'dark') return colors;
  const text = DARK_TEXT[parsed.color] ?? `var(--mantine-color-${parsed.color}-9)`;
  if (input.variant === 'light' || input.variant === 'subtle') {
    return { ...colors, color: text, hoverColor: text };
  }
  if (input.variant === 'outline') {
    return { ...colors, color: text, border: `1px solid var(--mantine-color-${parsed.color}-7)` };
  }
  if (input.variant === 'filled' && parsed.color !== input.theme.primaryColor) {
    const background = DARK_TEXT[parsed.color] ?? `var(--mantine-color-${parsed.color}-9)`;
    return { ...colors, background, hover: background, color: '#fff' };
  }
  return colors;
};

export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 7,
  respectReducedMotion: true,
  defaultRadius: 'md',
  fontFamily:
    'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace:
    'ui-monospace, "SFMono-Regular", "JetBrains Mono", Menlo, Consolas, monospace',
  headings: { fontWeight: '650' },
  variantColorResolver,
  components: {
    Badge: { defaultProps: { radius: 'sm' }, styles: { root: { textTransform: 'none' } } },
    Table: { defaultProps: { verticalSpacing: 'sm', highlightOnHover: true } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
    Modal: {
      defaultProps: { centered: true, radius: 'md', closeButtonProps: { 'aria-label': 'Close' } },
    },
    Drawer: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    // A dialog's header is no second banner landmark beside the console's own header.
    ModalHeader: { defaultProps: { component: 'div' } },
    DrawerHeader: { defaultProps: { component: 'div' } },
  },
});

const LIGHT_TEXT_COLORS = [
  'blue',
  'indigo',
  'red',
  'teal',
  'cyan',
  'green',
  'yellow',
  'orange',
  'grape',
  'violet',
  'pink',
  'lime',
];

/**
 * Dimmed text darker than Mantine's default gray.6 (under 4.5:1 on white), and the text of
 * light variants that components read from CSS variables (the active NavLink...) as dark as
 * the resolver's above.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#5c636a',
    '--mantine-color-placeholder': '#6b7280',
    // Links stay over 4.5:1 on a hovered table row too.
    '--mantine-color-anchor': 'var(--mantine-color-indigo-8)',
    '--mantine-primary-color-light-color': 'var(--mantine-color-indigo-9)',
    '--mantine-primary-color-light-hover': 'var(--mantine-color-indigo-1)',
    ...Object.fromEntries(
      LIGHT_TEXT_COLORS.flatMap((color) => [
        [
          `--mantine-color-${color}-light-color`,
          DARK_TEXT[color] ?? `var(--mantine-color-${color}-9)`,
        ],
        [`--mantine-color-${color}-light-hover`, `var(--mantine-color-${color}-1)`],
      ]),
    ),
  },
  dark: {},
});

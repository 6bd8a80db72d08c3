// The product's own components: pages compose these instead of styling controls themselves.
export { Avatar } from './Avatar.js';
export { Button, type ButtonIntent } from './Button.js';
export { Card } from './Card.js';
export { ConfirmDialog, Dialog } from './Dialog.js';
export { EmptyState } from './EmptyState.js';
export { Field } from './Field.js';
export { Menu, type MenuItem } from './Menu.js';
export { Spinner } from './Spinner.js';
export { Tabs, type Tab } from './Tabs.js';
export { ToastProvider, useToast } from './Toast.js';
export { LinkButton } from './LinkButton.js';
